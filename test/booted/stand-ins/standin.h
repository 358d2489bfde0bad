/* Shared by the stacks-signer and stacks-node stand-ins (test/booted/): a TOML reader for the flat shapes their
 * configs use, host:port sockets, the egress probe, and one-line failures. Real ELF binaries, so /proc/<pid>/exe is
 * the file under /usr/local/bin, as with the real release. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *program = "stand-in";

static void die(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fprintf(stderr, "%s: ", program);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

static void say(const char *format, ...) {
  /* One write per line: stderr is unbuffered, and a reader must never see a line without its newline. */
  char line[1024];
  int used = snprintf(line, sizeof line, "%s: ", program);
  va_list args;
  va_start(args, format);
  vsnprintf(line + used, sizeof line - (size_t)used - 1, format, args);
  va_end(args);
  size_t length = strlen(line);
  line[length] = '\n';
  ssize_t ignored = write(STDERR_FILENO, line, length + 1);
  (void)ignored;
}

#define MAX_KEYS 128
struct entry {
  char table[64];
  char key[64];
  char value[512]; /* strings unquoted; numbers, booleans and arrays as written */
  int is_string;
};
static struct entry entries[MAX_KEYS];
static int entry_count;

static char *trim(char *text) {
  while (*text == ' ' || *text == '\t') text++;
  char *end = text + strlen(text);
  while (end > text && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n')) *--end = 0;
  return text;
}

/* A basic TOML string ("…" with \" \\ \n \t escapes) at *cursor; 0 when malformed. */
static int read_string(char **cursor, char *out, size_t size) {
  char *p = *cursor + 1;
  size_t n = 0;
  while (*p && *p != '"') {
    char c = *p++;
    if (c == '\\') {
      c = *p++;
      if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (c != '"' && c != '\\') return 0;
    }
    if (n + 1 >= size) return 0;
    out[n++] = c;
  }
  if (*p != '"') return 0;
  out[n] = 0;
  *cursor = p + 1;
  return 1;
}

/* Reads the TOML subset of signer and node configs: comments, [table], [[array-table]], key = "string" | integer |
 * boolean | [one-line array]. Anything else is one error naming the line. */
static void read_config(const char *path) {
  FILE *file = fopen(path, "r");
  if (!file) die("cannot read config %s: %s", path, strerror(errno));
  char line[1024], table[64] = "";
  int number = 0;
  while (fgets(line, sizeof line, file)) {
    number++;
    char *text = trim(line);
    if (*text == 0 || *text == '#') continue;
    if (*text == '[') {
      int array = text[1] == '[';
      char *end = strrchr(text, ']');
      if (!end || (array && (end == text || end[-1] != ']'))) die("invalid TOML in %s:%d: unclosed table header", path, number);
      *(array ? end - 1 : end) = 0;
      snprintf(table, sizeof table, "%s", trim(text + (array ? 2 : 1)));
      continue;
    }
    char *equals = strchr(text, '=');
    if (!equals) die("invalid TOML in %s:%d: expected key = value", path, number);
    *equals = 0;
    char *key = trim(text), *value = trim(equals + 1);
    if (*key == 0 || strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(key))
      die("invalid TOML in %s:%d: bad key", path, number);
    if (entry_count == MAX_KEYS) die("%s: too many keys", path);
    struct entry *entry = &entries[entry_count++];
    snprintf(entry->table, sizeof entry->table, "%s", table);
    snprintf(entry->key, sizeof entry->key, "%s", key);
    if (*value == '"') {
      char *cursor = value;
      if (!read_string(&cursor, entry->value, sizeof entry->value)) die("invalid TOML in %s:%d: bad string", path, number);
      cursor = trim(cursor);
      if (*cursor && *cursor != '#') die("invalid TOML in %s:%d: text after the string", path, number);
      entry->is_string = 1;
    } else {
      char *comment = strstr(value, " #");
      if (comment) *comment = 0;
      value = trim(value);
      char *rest;
      strtol(value, &rest, 10);
      int ok = (*value && *rest == 0) || !strcmp(value, "true") || !strcmp(value, "false") ||
               (*value == '[' && value[strlen(value) - 1] == ']');
      if (!ok) die("invalid TOML in %s:%d: bad value", path, number);
      snprintf(entry->value, sizeof entry->value, "%s", value);
    }
  }
  fclose(file);
}

/* The string value of table.key (table "" for top-level keys), or NULL when absent or not a string. */
static const char *config_string(const char *table, const char *key) {
  for (int i = 0; i < entry_count; i++)
    if (!strcmp(entries[i].table, table) && !strcmp(entries[i].key, key)) return entries[i].is_string ? entries[i].value : NULL;
  return NULL;
}

/* "host:port" or "[v6]:port" → getaddrinfo results (caller frees); dies naming `what` when malformed. */
static struct addrinfo *resolve(const char *address, const char *what, int passive) {
  char host[256];
  const char *colon = strrchr(address, ':');
  if (!colon || colon == address || !colon[1]) die("%s = \"%s\" is not host:port", what, address);
  size_t length = (size_t)(colon - address);
  if (address[0] == '[' && length >= 2 && address[length - 1] == ']') {
    address++;
    length -= 2;
  }
  if (length >= sizeof host) die("%s = \"%s\" is too long", what, address);
  memcpy(host, address, length);
  host[length] = 0;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0}, *result;
  int error = getaddrinfo(host, colon + 1, &hints, &result);
  if (error) die("cannot resolve %s %s: %s", what, address, gai_strerror(error));
  return result;
}

/* A listening socket on `address`; dies with the reason. */
static int listen_on(const char *address, const char *what) {
  struct addrinfo *info = resolve(address, what, 1);
  int fd = socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("cannot bind %s %s: %s", what, address, strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, info->ai_addr, info->ai_addrlen) < 0 || listen(fd, 16) < 0)
    die("cannot bind %s %s: %s", what, address, strerror(errno));
  freeaddrinfo(info);
  return fd;
}

/* Connects with a timeout: the socket, or -1 with errno set (ETIMEDOUT when nothing answered). */
static int connect_to(const char *address, const char *what, int timeout_ms) {
  struct addrinfo *info = resolve(address, what, 0);
  int fd = socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    freeaddrinfo(info);
    return -1;
  }
  int result = connect(fd, info->ai_addr, info->ai_addrlen);
  freeaddrinfo(info);
  if (result < 0 && errno == EINPROGRESS) {
    struct pollfd wait = {.fd = fd, .events = POLLOUT};
    if (poll(&wait, 1, timeout_ms) <= 0) {
      close(fd);
      errno = ETIMEDOUT;
      return -1;
    }
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error) {
      close(fd);
      errno = error;
      return -1;
    }
  } else if (result < 0) {
    int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  fcntl(fd, F_SETFL, 0);
  return fd;
}

/* STACKS_STANDIN_EGRESS=HOST:PORT: one outbound connection there, and its outcome (connected / refused / blocked). */
static void probe_egress(void) {
  const char *target = getenv("STACKS_STANDIN_EGRESS");
  if (!target || !*target) return;
  int fd = connect_to(target, "STACKS_STANDIN_EGRESS", 3000);
  if (fd >= 0) {
    close(fd);
    say("egress probe %s: connected", target);
  } else if (errno == ECONNREFUSED) {
    say("egress probe %s: refused", target);
  } else {
    say("egress probe %s: blocked (%s)", target, strerror(errno));
  }
}

/* Answers one connection: reads the request, writes `reply` (may be NULL: just close). */
static void answer(int listener, const char *reply) {
  int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return;
  struct pollfd wait = {.fd = fd, .events = POLLIN};
  char request[4096];
  if (reply && poll(&wait, 1, 2000) > 0 && read(fd, request, sizeof request) > 0) {
    ssize_t ignored = write(fd, reply, strlen(reply));
    (void)ignored;
  }
  close(fd);
}
