/* Stand-in for stacks-signer on a booted test host (the real binary cannot be downloaded there). It does what the
 * real signer does that hardening can break, and nothing else:
 *   stacks-signer --version          the real output format (stacks-facts.md section 4)
 *   stacks-signer run --config FILE  reads the TOML, binds `endpoint` (and `metrics_endpoint`), reaches `node_host`
 *                                    over HTTP (GET /v2/info), writes `db_path` as SQLite does (the file, then a
 *                                    journal beside it), then every 2 s reaches the node and writes the database again.
 * Any of these failing is one line on stderr saying what and why, and exit 1. The key and auth password are read
 * but never printed. STACKS_STANDIN_EGRESS=HOST:PORT: see probe_egress(). */
#include "standin.h"
#include <time.h>

static const char SQLITE_HEADER[] = "SQLite format 3";

/* NULL when the node answered 200, else why not (a static buffer). */
static const char *reach_node(const char *node_host) {
  static char why[512];
  int fd = connect_to(node_host, "node_host", 3000);
  if (fd < 0) {
    snprintf(why, sizeof why, "cannot reach node_host %s: %s", node_host, strerror(errno));
    return why;
  }
  char request[512], status[64] = "";
  snprintf(request, sizeof request, "GET /v2/info HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", node_host);
  struct pollfd wait = {.fd = fd, .events = POLLIN};
  ssize_t got = -1;
  if (write(fd, request, strlen(request)) > 0 && poll(&wait, 1, 3000) > 0) got = read(fd, status, sizeof status - 1);
  close(fd);
  if (got < 12 || strncmp(status, "HTTP/1.1 200", 12) != 0) {
    snprintf(why, sizeof why, "node_host %s gave no HTTP 200 to GET /v2/info", node_host);
    return why;
  }
  return NULL;
}

/* The header rewritten in place (a snapshot of the tree sees the same bytes), then a journal created and removed
 * in the database's directory, as SQLite's rollback journal is. */
static void write_database(const char *db_path) {
  if (!strcmp(db_path, ":memory:")) return;
  int fd = open(db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || pwrite(fd, SQLITE_HEADER, sizeof SQLITE_HEADER, 0) != (ssize_t)sizeof SQLITE_HEADER || fsync(fd) < 0)
    die("cannot write db_path %s: %s", db_path, strerror(errno));
  close(fd);
  char journal[1024];
  snprintf(journal, sizeof journal, "%s-journal", db_path);
  fd = open(journal, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, "", 1) != 1) die("cannot write db_path %s: %s (journal)", db_path, strerror(errno));
  close(fd);
  if (unlink(journal) < 0) die("cannot write db_path %s: %s (journal)", db_path, strerror(errno));
}

static void run(const char *config_path) {
  read_config(config_path);
  const char *required[] = {"stacks_private_key", "node_host", "endpoint", "network", "auth_password", "db_path"};
  for (size_t i = 0; i < sizeof required / sizeof *required; i++)
    if (!config_string("", required[i])) die("%s: %s is missing or not a string", config_path, required[i]);
  const char *node_host = config_string("", "node_host"), *endpoint = config_string("", "endpoint");
  const char *db_path = config_string("", "db_path"), *metrics = config_string("", "metrics_endpoint");
  struct pollfd listeners[2] = {{.fd = listen_on(endpoint, "endpoint"), .events = POLLIN}, {.fd = -1}};
  if (metrics) listeners[1] = (struct pollfd){.fd = listen_on(metrics, "metrics_endpoint"), .events = POLLIN};
  probe_egress();
  /* The node may still be starting: a few tries, as the real signer retries, then give up. */
  const char *problem = NULL;
  for (int attempt = 0; attempt < 5; attempt++) {
    if (!(problem = reach_node(node_host))) break;
    sleep(1);
  }
  if (problem) die("%s", problem);
  write_database(db_path);
  say("running, endpoint %s, node %s", endpoint, node_host);
  const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  time_t next = time(NULL) + 2;
  for (;;) {
    int timeout = (int)(next - time(NULL)) * 1000;
    if (poll(listeners, 2, timeout > 0 ? timeout : 0) > 0) {
      for (int i = 0; i < 2; i++)
        if (listeners[i].fd >= 0 && (listeners[i].revents & POLLIN)) answer(listeners[i].fd, ok);
      continue;
    }
    if ((problem = reach_node(node_host))) die("%s", problem);
    write_database(db_path);
    next = time(NULL) + 2;
  }
}

int main(int argc, char **argv) {
  program = "stacks-signer";
  if (argc == 2 && !strcmp(argv[1], "--version")) {
    puts("stacks-signer 4.0.2 (5c0b1b0, release build, linux [x86_64])");
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "run") && (!strcmp(argv[2], "--config") || !strcmp(argv[2], "-c"))) run(argv[3]);
  die("usage: stacks-signer --version | run --config FILE");
}
