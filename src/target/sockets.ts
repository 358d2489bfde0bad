import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseListeningSockets } from '../parsers/proc-net-tcp.js';
import type { ListeningSocket } from './types.js';

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a kernel without IPv6 has no tcp6
  }
}

/**
 * Listening TCP sockets of the live host (/proc/net/tcp, tcp6) with the pids holding each one, found through the
 * `socket:[inode]` links in /proc/<pid>/fd. Only the inodes of listeners are looked for, and the walk stops once
 * every one is found, so a busy host costs a few thousand readlinks at most. Processes that exit meanwhile or hide
 * their fds (another user's, without root) are skipped: their sockets keep an empty pid list.
 */
export function listListeningSockets(procRoot = '/proc'): ListeningSocket[] {
  const sockets = [
    ...parseListeningSockets(readOptional(`${procRoot}/net/tcp`)).map((socket) => ({
      ...socket,
      file: '/proc/net/tcp',
    })),
    ...parseListeningSockets(readOptional(`${procRoot}/net/tcp6`)).map((socket) => ({
      ...socket,
      file: '/proc/net/tcp6',
    })),
  ];
  const pidsByInode = new Map<number, number[]>(sockets.map((socket) => [socket.inode, []]));
  let unresolved = new Set(pidsByInode.keys());
  for (const entry of readdirSync(procRoot)) {
    if (unresolved.size === 0) break;
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${entry}/fd`);
    } catch {
      continue;
    }
    const found = new Set<number>();
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${procRoot}/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = SOCKET_LINK.exec(link)?.[1];
      if (inode === undefined) continue;
      const pids = pidsByInode.get(Number(inode));
      if (pids && !found.has(Number(inode))) {
        pids.push(Number(entry));
        found.add(Number(inode));
      }
    }
    // The first holder names the socket: a forking server's children share its listener, and stopping early is cheap.
    if (found.size > 0) unresolved = new Set([...unresolved].filter((inode) => !found.has(inode)));
  }
  return sockets.map((socket) => ({ ...socket, pids: pidsByInode.get(socket.inode) ?? [] }));
}
