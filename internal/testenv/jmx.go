package testenv

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// JMXOptions configures StartJMXJVM.
type JMXOptions struct {
	// User and Password turn on JMX authentication (a password file and a
	// readonly access file); proxy requests then need
	// "target":{"url":...,"user":...,"password":...}.
	User, Password string
	// ExtraArgs are extra JVM flags (e.g. "-Dmoalog.benchItems=100").
	ExtraArgs []string
}

// JMXJVM is a test JVM (java/MBeanTestApp.java, the same MBeans as StartJVM's)
// that exposes its MBeans only over remote JMX (RMI) on loopback, with no
// Jolokia agent: the target of the Jolokia proxy mode.
type JMXJVM struct {
	// ServiceURL is service:jmx:rmi:///jndi/rmi://127.0.0.1:<port>/jmxrmi
	ServiceURL string
	// Port serves both the RMI registry and the JMX connector.
	Port    int
	Process *Process
}

// StartJMXJVM starts MBeanTestApp with the JDK's JMX agent on one free
// loopback port (registry and connector), no SSL, and waits until the test
// MBeans are registered. It is stopped at the test's cleanup.
func StartJMXJVM(t testing.TB, opts JMXOptions) *JMXJVM {
	t.Helper()
	return mustStart(t, func() (*JMXJVM, error) {
		return newServer(func(s *setup) *JMXJVM { return startJMXJVM(s, t, opts) })
	})
}

func startJMXJVM(s *setup, owner Owner, opts JMXOptions) *JMXJVM {
	java, classes, port := s.testApp()
	dir := s.tempDir(owner, "jmx")

	args := append([]string{}, DefaultJVMArgs...)
	p := strconv.Itoa(port)
	args = append(args,
		"-Dcom.sun.management.jmxremote.port="+p,
		"-Dcom.sun.management.jmxremote.rmi.port="+p,
		"-Dcom.sun.management.jmxremote.host=127.0.0.1",
		"-Djava.rmi.server.hostname=127.0.0.1",
		"-Dcom.sun.management.jmxremote.ssl=false",
		"-Dcom.sun.management.jmxremote.local.only=true")
	if opts.User != "" {
		if strings.ContainsAny(opts.User+opts.Password, " \t\n") {
			s.fail(errors.New("StartJMXJVM: the JDK's JMX password file takes no white space in User or Password"))
		}
		// The JDK refuses a password file that others can read: writeFile uses 0600.
		pw := s.write(filepath.Join(dir, "jmxremote.password"), opts.User+" "+opts.Password+"\n")
		access := s.write(filepath.Join(dir, "jmxremote.access"), opts.User+" readonly\n")
		args = append(args, "-Dcom.sun.management.jmxremote.authenticate=true",
			"-Dcom.sun.management.jmxremote.password.file="+pw,
			"-Dcom.sun.management.jmxremote.access.file="+access)
	} else {
		args = append(args, "-Dcom.sun.management.jmxremote.authenticate=false")
	}
	args = append(args, opts.ExtraArgs...)
	args = append(args, "-cp", classes, "MBeanTestApp")

	j := &JMXJVM{
		ServiceURL: fmt.Sprintf("service:jmx:rmi:///jndi/rmi://%s/jmxrmi", Addr(port)),
		Port:       port,
		Process:    s.launch(owner, "jvm-jmx-rmi", java, args...),
	}
	s.step(j.waitReady)
	return j
}

// waitReady waits until the JMX port listens and MBeanTestApp has registered
// every MBean (it prints "MBeanTestApp ready" after the last one).
func (j *JMXJVM) waitReady() error {
	return j.Process.waitUntil("JMX JVM on "+Addr(j.Port)+" is not ready", startTimeout, 100*time.Millisecond, func() error {
		if !strings.Contains(j.Process.Log(), "MBeanTestApp ready") {
			return errors.New("no \"MBeanTestApp ready\" line yet")
		}
		return dial(Addr(j.Port))
	})
}
