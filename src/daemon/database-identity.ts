/**
 * A database belongs to one network and one node key (docs/storage.md, "Whose database"). The first
 * daemon to start on a database records both in `database_identity` (migration 0005); every later start
 * compares, and refuses a mismatch naming both sides, as Core Lightning refuses a wallet of another
 * chain or another node. Several daemons on one PostgreSQL database pass when they share the network and
 * the hsm_secret, which they must anyway: each one signs and answers for the others' invoices.
 */
import type { Kysely } from 'kysely';
import type { Network } from '../util/network.js';

interface IdentityDb {
  database_identity: { name: string; value: string };
}

/** The database is another network's or another node's; main prints the message and exits 1. */
export class DatabaseIdentityError extends Error {
  override readonly name = 'DatabaseIdentityError';
}

export interface DatabaseIdentity {
  readonly network: Network;
  /** Hex, 33-byte compressed key. */
  readonly nodeId: string;
}

/**
 * Records `ours` if the database has no identity yet (racing starts: the first insert wins, and the
 * loser compares with it), else checks it. Returns true when this call recorded it.
 * @param location the database as shown to the operator (no password).
 * @throws DatabaseIdentityError on a mismatch.
 */
export async function checkDatabaseIdentity<DB>(db: Kysely<DB>, ours: DatabaseIdentity, location: string): Promise<boolean> {
  // The table is read through its own interface, whatever the caller's schema type says.
  const t = db as unknown as Kysely<IdentityDb>;
  const inserted = await t
    .insertInto('database_identity')
    .values([
      { name: 'network', value: ours.network },
      { name: 'node_id', value: ours.nodeId },
    ])
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('name')
    .execute();
  const rows = await t.selectFrom('database_identity').select(['name', 'value']).execute();
  const theirs = new Map(rows.map((r) => [r.name, r.value] as const));
  const network = theirs.get('network');
  if (network !== undefined && network !== ours.network) {
    throw new DatabaseIdentityError(
      `database ${location} belongs to network ${network}, not ${ours.network}: ` +
        `start with --network=${network}, or give ${ours.network} its own --database`,
    );
  }
  const nodeId = theirs.get('node_id');
  if (nodeId !== undefined && nodeId !== ours.nodeId) {
    throw new DatabaseIdentityError(
      `database ${location} belongs to node ${nodeId}, but this daemon's hsm_secret gives node ${ours.nodeId}: ` +
        "its invoices were signed by that node's key; start with that node's hsm_secret, or another --database",
    );
  }
  return inserted.length > 0;
}
