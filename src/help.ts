// `zoo --help`: every command and option, as the README lists them.
export const HELP = `zoo: one process for a container. It supervises your apps and fronts them on one port.

Usage: zoo [command] [options]

Commands:
  start        Start the apps and the proxy (the default); --watch reloads when the config or an env file changes
  validate     Check the config and print its apps and routes
  schema       Print the config's JSON Schema
  status       Show the apps of a running zoo; --json for scripts, --watch redraws it every second
  health       Exit 0 when a running zoo is healthy, 1 when not
  probe TARGET Run one probe and exit 0 when it passes, 1 when it fails. TARGET: tcp://HOST:PORT,
               http://HOST:PORT/PATH, or an app's name (its configured probe on its port)
  hash-password
               Read a password from standard input, print its bcrypt hash (for a route's basicAuth users)
  export compose|kubernetes
               Write the config as a compose project or as Kubernetes manifests

Commands for a running zoo (over its control socket):
  restart APP…     Restart apps (without downtime when zoo picks their port); APP.1: one replica
  stop APP…        Stop apps (APP.1: one replica); they stay stopped until started
  scale APP N      Run N replicas of an app: new ones start, the highest ones drain and stop;
                   0 stops every one (its routes answer 503 "scaled to zero")
  start APP…       Start apps (or one replica, APP.1) stopped with zoo stop
  logs [APP…]      Print the apps' last lines (-n N, default 100, the last N overall); -f follows; --json records
  reload           Load the config again and apply only what changed; --dry-run prints the plan only

Options:
  -c, --config PATH           Config file (default: $ZOO_CONFIG, else zoo.config.json, zoo.config.yaml,
                              zoo.config.yml, .zoorc.json or a "zoo" key in package.json, searched
                              from the working directory up to the project root)
  -l, --listen PORT|HOST:PORT Where zoo listens (overrides the config's listen)
      --log-format text|json  Log format (overrides the config's logFormat)
  -f, --follow                logs: keep printing new lines until interrupted
  -n, --lines N               logs: how many of the last lines, of all the apps shown (default 100)
      --json                  logs: JSON lines; status: the status as JSON (shape in the README)
      --dry-run               reload: print what would change, change nothing
      --watch                 start: reload when the config file or an env file changes;
                              status: redraw the status every second until interrupted

probe options:
      --status N              Expected HTTP status (default: any 2xx or 3xx)
      --timeout DURATION      One attempt's time limit (default 1s, or the app's health.timeout)
      --wait DURATION         Retry until the probe passes or this much time has passed (default: one attempt)

export options:
      --image IMAGE           The image every service runs (default: zoo)
  -o, --output DIR            Where to write the files (default: compose: the current directory;
                              kubernetes: one YAML stream on stdout)
      --workdir DIR           Where the config file's directory is inside the image (default: /app)
      --namespace NS          kubernetes: the namespace of every object
      --gateway NAME          kubernetes: the Gateway the HTTPRoutes attach to (default: zoo)

  -h, --help                  Show this help
  -v, --version               Show zoo's version

Exit codes: 0 done, 1 failed, 2 bad config or usage.
`;
