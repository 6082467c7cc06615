/**
 * Loads libsecp256k1's native binding from the `secp256k1` package (its prebuilt N-API binary; no
 * install script or compiler is needed). The package's own entry point silently falls back to a
 * pure-JavaScript implementation (elliptic) when the binary does not load; this loads the binding
 * alone, so a failure is seen here and secp256k1.ts falls back to tiny-secp256k1 instead.
 */
import { createRequire } from 'node:module';

/** The part of the binding's API the daemon uses (secp256k1/lib/index.js; every method validates its arguments and throws on bad input). */
export interface NativeSecp256k1Binding {
  privateKeyVerify(seckey: Uint8Array): boolean;
  publicKeyVerify(pubkey: Uint8Array): boolean;
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyTweakMul(pubkey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  signatureNormalize(sig: Uint8Array): Uint8Array;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

/** The result of loading: the binding, or why it did not load. */
export type NativeLoad =
  | { readonly ok: true; readonly binding: NativeSecp256k1Binding; readonly version: string }
  | { readonly ok: false; readonly reason: string };

/** Loads the native binding once; `INVOICED_SECP256K1=wasm` skips it (to run the fallback on purpose). */
export function loadNativeSecp256k1(env: NodeJS.ProcessEnv = process.env): NativeLoad {
  if (env['INVOICED_SECP256K1'] === 'wasm') return { ok: false, reason: 'INVOICED_SECP256K1=wasm' };
  try {
    const require = createRequire(import.meta.url);
    const binding = require('secp256k1/bindings.js') as NativeSecp256k1Binding;
    const version = (require('secp256k1/package.json') as { version: string }).version;
    return { ok: true, binding, version };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
