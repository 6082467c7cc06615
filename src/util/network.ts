/** The Bitcoin networks the daemon serves, and what each is called in BOLT 11, BOLT 12 and CLN. */

export type Network = 'bitcoin' | 'testnet' | 'testnet4' | 'signet' | 'regtest';

/** `testnet` is testnet3; `testnet4` (BIP 94) shares its prefixes but not its genesis block, as in CLN. */
export const NETWORKS: readonly Network[] = ['bitcoin', 'testnet', 'testnet4', 'signet', 'regtest'];

/** BOLT 11 currency prefix (after `ln`). testnet and testnet4 share `tb`; a decoded `tb` reads as testnet. */
export const BOLT11_CURRENCY: Readonly<Record<Network, string>> = {
  bitcoin: 'bc',
  testnet: 'tb',
  testnet4: 'tb',
  signet: 'tbs',
  regtest: 'bcrt',
};

/** Segwit address human-readable part. */
export const SEGWIT_HRP: Readonly<Record<Network, string>> = {
  bitcoin: 'bc',
  testnet: 'tb',
  testnet4: 'tb',
  signet: 'tb',
  regtest: 'bcrt',
};

/** Genesis block hash in BOLT 12's `chain_hash` byte order (hex). */
export const CHAIN_HASH: Readonly<Record<Network, string>> = {
  bitcoin: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  // Genesis 00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043, byte-reversed.
  testnet4: '43f08bdab050e35b567c864b91f47f50ae725ae2de53bcfbbaf284da00000000',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
};

/** CLN's default `cltv-final`: 18 on mainnet, 10 elsewhere (reference §4.1). */
export const DEFAULT_CLTV_FINAL: Readonly<Record<Network, number>> = {
  bitcoin: 18,
  testnet: 10,
  testnet4: 10,
  signet: 10,
  regtest: 10,
};

export function isNetwork(s: string): s is Network {
  return (NETWORKS as readonly string[]).includes(s);
}
