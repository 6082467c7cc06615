/**
 * The optional create steps a call asks for (`idempotency_key`, `metadata`), as one CreateExtension.
 * The fingerprint covers the command and every other parameter, metadata included.
 */
import { composeExtensions, type CreateExtension } from './engine-hooks.js';
import { fingerprint, idempotencyExtension } from './idempotency.js';
import { metadataExtension, type Metadata } from './metadata.js';

export function createExtras(
  command: string,
  params: Readonly<Record<string, unknown>> & { readonly idempotency_key?: string; readonly metadata?: Metadata },
): CreateExtension | undefined {
  const { idempotency_key, ...rest } = params;
  const meta = params.metadata ? metadataExtension(params.metadata) : undefined;
  if (idempotency_key === undefined) return meta;
  const print = fingerprint(command, { ...rest, metadata: params.metadata?.text });
  return composeExtensions(idempotencyExtension(idempotency_key, print), meta);
}
