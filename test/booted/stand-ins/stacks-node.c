/* Stand-in for stacks-node on a booted test host (the real binary cannot be downloaded there):
 *   stacks-node version               a version line
 *   stacks-node start --config FILE   reads the TOML, listens on [node] rpc_bind (answers with HTTP 200 and a small
 *                                     JSON body, as GET /v2/info does) and p2p_bind (accepts and closes), until killed.
 * A config that cannot be read or a port that cannot be bound is one line on stderr and exit 1; no secret is printed.
 * STACKS_STANDIN_EGRESS=HOST:PORT: see probe_egress(). */
#include "standin.h"

int main(int argc, char **argv) {
  program = "stacks-node";
  if (argc == 2 && (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version"))) {
    puts("stacks-node 4.0.2 (5c0b1b0, release build, linux [x86_64])");
    return 0;
  }
  if (!(argc == 4 && !strcmp(argv[1], "start") && (!strcmp(argv[2], "--config") || !strcmp(argv[2], "-c"))))
    die("usage: stacks-node version | start --config FILE");
  read_config(argv[3]);
  const char *rpc = config_string("node", "rpc_bind"), *p2p = config_string("node", "p2p_bind");
  struct pollfd listeners[2] = {
      {.fd = listen_on(rpc ? rpc : "0.0.0.0:20443", "rpc_bind"), .events = POLLIN},
      {.fd = listen_on(p2p ? p2p : "0.0.0.0:20444", "p2p_bind"), .events = POLLIN},
  };
  probe_egress();
  say("listening");
  const char *body = "{\"server_version\":\"4.0.2\",\"is_fully_synced\":true}";
  char info[256];
  snprintf(info, sizeof info,
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
           strlen(body), body);
  for (;;) {
    if (poll(listeners, 2, -1) <= 0) continue;
    if (listeners[0].revents & POLLIN) answer(listeners[0].fd, info);
    if (listeners[1].revents & POLLIN) answer(listeners[1].fd, NULL);
  }
}
