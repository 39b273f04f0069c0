-- The demo's monitoring user, with the privileges the platform's MySQL grants it.
CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY 'demo-monitor';
GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO 'monitor'@'%';
FLUSH PRIVILEGES;
