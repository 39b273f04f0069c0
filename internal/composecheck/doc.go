// Package composecheck holds the tests of the compose stack (compose/): Docker
// does not run on the build machines, so the Compose files are loaded and
// validated with compose-go (the Compose Spec's reference loader), every
// mounted path and build file is checked to exist, and the compose copy of the
// collector config is compared with the root otelcol.yaml.
package composecheck
