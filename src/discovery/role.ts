// Which Stacks service a unit, config or container is. Its own module so that compose.ts and types.ts, which both
// need it, do not import each other.
export type Role = 'signer' | 'node';
