/** A person (or service account) calling the ledger. `roles: ['administrator']` grants everything in the tenant. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly id: string;
  readonly tenantId: string;
  readonly email?: string;
  readonly roles?: readonly 'administrator'[];
}

/** A worker that claims and runs jobs. `poolIds` are the agent pools it serves. */
export interface AgentPrincipal {
  readonly kind: 'agent';
  readonly id: string;
  readonly tenantId: string;
  readonly poolIds?: readonly string[];
}

/** The ledger itself (lease expiry, migrations, operators): sees and may do everything. */
export interface SystemPrincipal {
  readonly kind: 'system';
  readonly id: string;
}

/** Who is calling. Pass it to `ledger.as(principal)`. */
export type Principal = UserPrincipal | AgentPrincipal | SystemPrincipal;

/** The actor recorded in event metadata. */
export interface Actor {
  readonly kind: 'user' | 'agent' | 'system';
  readonly id: string;
}

/** The principal used for `ledger.system`. */
export const systemPrincipal: SystemPrincipal = { kind: 'system', id: 'system' };

export const actorOf = (p: Principal): Actor => ({ kind: p.kind, id: p.id });
