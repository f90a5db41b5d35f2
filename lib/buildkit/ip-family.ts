// What the farm's IP family (props.ipFamily) means for its Services and listeners.
import type { IpFamily } from './props';

/** ipFamilies / ipFamilyPolicy of the farm's Services. */
export function serviceFamilies(family: IpFamily): { ipFamilies: string[]; ipFamilyPolicy: string } {
  switch (family) {
    case 'ipv4': return { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' };
    case 'ipv6': return { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' };
    case 'dual': return { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' };
  }
}

/** A listen address ("host:port") on every address of the family: 0.0.0.0 or [::] (dual-stack on Linux). */
export const anyAddress = (family: IpFamily, port: number): string =>
  family === 'ipv4' ? `0.0.0.0:${port}` : `[::]:${port}`;
