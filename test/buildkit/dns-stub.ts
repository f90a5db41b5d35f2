// A tiny authoritative DNS server on loopback for the HAProxy integration test: answers A queries
// for the names it knows with their addresses, NOERROR without answers for other types of a known
// name, and NXDOMAIN otherwise. Just enough DNS for HAProxy's resolvers.
import * as dgram from 'dgram';

export interface DnsStub {
  port: number;
  /** Queries seen, as "name TYPE". */
  queries: string[];
  close(): Promise<void>;
}

const TTL = 1;

function ipBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

export function answer(query: Buffer, records: Record<string, string[]>): { name: string; qtype: number; reply: Buffer } {
  let o = 12;
  const labels: string[] = [];
  while (query[o] !== 0) {
    labels.push(query.subarray(o + 1, o + 1 + query[o]).toString('ascii'));
    o += query[o] + 1;
  }
  const qtype = query.readUInt16BE(o + 1);
  const questionEnd = o + 5;
  const name = labels.join('.').toLowerCase();
  const known = name in records;
  const ips = known && qtype === 1 ? records[name] : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  // QR, AA, RD copied, RA; rcode NXDOMAIN (3) for unknown names
  header.writeUInt16BE(0x8000 | 0x0400 | (query[2] & 0x01) << 8 | 0x0080 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const answers = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(TTL, 6);
    rr.writeUInt16BE(4, 10);
    ipBytes(ip).copy(rr, 12);
    return rr;
  });
  return { name, qtype, reply: Buffer.concat([header, query.subarray(12, questionEnd), ...answers]) };
}

export function startDnsStub(records: Record<string, string[]>): Promise<DnsStub> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, from) => {
    try {
      const { name, qtype, reply } = answer(msg, records);
      queries.push(`${name} ${qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : qtype}`);
      socket.send(reply, from.port, from.address);
    } catch {
      // not a query we understand: no answer, like a lossy network
    }
  });
  return new Promise((resolve) =>
    socket.bind(0, '127.0.0.1', () =>
      resolve({
        port: socket.address().port,
        queries,
        close: () => new Promise((done) => socket.close(() => done())),
      }),
    ),
  );
}
