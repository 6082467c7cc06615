/** `autoclean-once subsystem age` and `autoclean-status [subsystem]` (reference §4.5), CLN's result shapes. */
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { autocleanSubsystem, u64NonZero } from '../params.js';

export const autocleanOnce = defineCommand({
  name: 'autoclean-once',
  description: 'Deletes, once, the paid or expired invoices older than age seconds.',
  result: 'autoclean: for the subsystem, how many were cleaned and how many were left (uncleaned).',
  params: {
    subsystem: req(autocleanSubsystem, MEANING.subsystem),
    age: req(u64NonZero, 'Delete those paid or expired at least this many seconds ago.'),
  },
  // As CLN (`param()` ends a check there): only the parameters, which are all the real run checks before
  // it deletes (a zero age is the parser's `Must be non-zero`); nothing is cleaned.
  check: 'params',
  run: async (p, ctx) => {
    const r = await ctx.engine.autocleanOnce(p.subsystem, p.age);
    return { autoclean: { [r.subsystem]: { cleaned: r.cleaned, uncleaned: r.uncleaned } } };
  },
});

export const autocleanStatus = defineCommand({
  name: 'autoclean-status',
  description: 'Autoclean settings and totals cleaned, per subsystem.',
  result: 'autoclean: per subsystem, whether it is enabled, its age, and how many it cleaned so far.',
  params: { subsystem: opt(autocleanSubsystem, 'Only this subsystem.') },
  check: 'run',
  run: async (p, ctx) => {
    const entries = await ctx.engine.autocleanStatus(p.subsystem);
    const autoclean: Record<string, unknown> = {};
    for (const e of entries) {
      autoclean[e.subsystem] = e.enabled ? { enabled: true, age: e.age, cleaned: e.cleaned } : { enabled: false, cleaned: e.cleaned };
    }
    return { autoclean };
  },
});
