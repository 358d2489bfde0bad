// /proc/net/tcp and /proc/net/tcp6 (proc_net(5), "/proc/net/tcp"): one socket per line after a header,
// `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`.
// Addresses are hex in the kernel's byte order: each 32-bit word is printed as a host-order (little-endian on
// x86 and arm64) integer, so 127.0.0.1 is "0100007F" and ::1 is "00000000000000000000000001000000".

/** Kernel TCP state 0x0A (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

export interface ProcNetSocket {
  /** Textual address: dotted IPv4 (v4-mapped IPv6 is shown as IPv4) or compressed IPv6. */
  address: string;
  port: number;
  family: 4 | 6;
  /** Hex state as the kernel prints it ("0A" = LISTEN). */
  state: string;
  /** The socket's owner (the uid of the process that created it). */
  uid: number;
  /** The socket inode, which /proc/<pid>/fd/* names as `socket:[inode]`. */
  inode: number;
  /** 1-based line in the file. */
  line: number;
}

/** Four bytes of one little-endian 32-bit word, most significant last. */
function wordBytes(hex: string): number[] {
  const value = Number.parseInt(hex, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function decodeAddress(hex: string): { address: string; family: 4 | 6 } | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) return { address: wordBytes(hex).join('.'), family: 4 };
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return undefined;
  const bytes = [0, 8, 16, 24].flatMap((offset) => wordBytes(hex.slice(offset, offset + 8)));
  const groups = Array.from({ length: 8 }, (_, index) => (bytes[2 * index]! << 8) | bytes[2 * index + 1]!);
  // ::ffff:a.b.c.d is an IPv4 peer of a dual-stack socket: judge it as the IPv4 address it is.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return { address: bytes.slice(12).join('.'), family: 6 };
  }
  return { address: compressV6(groups), family: 6 };
}

/** RFC 5952 text: the longest run (≥ 2) of zero groups becomes "::". */
function compressV6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Every socket of the file; malformed lines are skipped (the kernel never writes them; a truncated read might). */
export function parseProcNetTcp(text: string): ProcNetSocket[] {
  const sockets: ProcNetSocket[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    // fields: sl local rem st queues timer retrnsmt uid timeout inode ...
    if (fields.length < 10 || !/^\d+:$/.test(fields[0]!)) return;
    const [addressHex, portHex] = fields[1]!.split(':');
    if (!addressHex || !portHex || !/^[0-9A-Fa-f]{4}$/.test(portHex)) return;
    const decoded = decodeAddress(addressHex);
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (!decoded || !Number.isInteger(uid) || !Number.isInteger(inode)) return;
    sockets.push({
      ...decoded,
      port: Number.parseInt(portHex, 16),
      state: fields[3]!.toUpperCase(),
      uid,
      inode,
      line: index + 1,
    });
  });
  return sockets;
}

/** Only the sockets in LISTEN state. */
export function parseListeningSockets(text: string): ProcNetSocket[] {
  return parseProcNetTcp(text).filter((socket) => socket.state === TCP_LISTEN);
}
