// The monitoring component's public surface.
export type { Catalogue } from './catalogue';
