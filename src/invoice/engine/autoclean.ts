/**
 * Autoclean (reference §4.5): the `autoclean-expiredinvoices-age`, `autoclean-paidinvoices-age` and
 * `autoclean-cycle` options, a cycle timer on the injected clock, and `autoclean-status`'s shape. The
 * deletions themselves are the engine's (each one a `deleted` bump); totals persist in the database.
 */
import type { Logger } from 'pino';
import type { CancelTimer, Clock } from '../../util/clock.js';
import { AUTOCLEAN_SUBSYSTEMS, type AutocleanOnceResult, type AutocleanStatusEntry, type AutocleanSubsystem } from '../api.js';

/** Ages in seconds (0 = disabled) and the cycle length in seconds (CLN's default 3600). */
export interface AutocleanConfig {
  readonly expiredinvoicesAge: number;
  readonly paidinvoicesAge: number;
  readonly cycle: number;
}

export const DEFAULT_AUTOCLEAN: AutocleanConfig = { expiredinvoicesAge: 0, paidinvoicesAge: 0, cycle: 3600 };

type CleanOnce = (subsystem: AutocleanSubsystem, age: number) => Promise<AutocleanOnceResult>;

export class AutocleanRunner {
  private readonly config: AutocleanConfig;
  private cancel: CancelTimer | undefined;
  private stopped = false;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;

  constructor(
    deps: { clock: Clock; logger?: Logger | undefined; config?: Partial<AutocleanConfig> | undefined },
    private readonly clean: CleanOnce,
  ) {
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.config = { ...DEFAULT_AUTOCLEAN, ...(deps.config ?? {}) };
  }

  /** The configured age of a subsystem (0 = disabled); only the two invoice subsystems exist here. */
  ageOf(subsystem: AutocleanSubsystem): number {
    if (subsystem === 'expiredinvoices') return this.config.expiredinvoicesAge;
    if (subsystem === 'paidinvoices') return this.config.paidinvoicesAge;
    return 0;
  }

  /** Arms the cycle timer if any subsystem is enabled. */
  start(): void {
    if (this.stopped || this.cancel) return;
    if (this.config.cycle <= 0) return;
    if (this.ageOf('expiredinvoices') === 0 && this.ageOf('paidinvoices') === 0) return;
    this.cancel = this.clock.setTimer(this.config.cycle * 1000, () => {
      this.cancel = undefined;
      void this.runCycle().finally(() => this.start());
    });
  }

  /** One cycle: every enabled subsystem cleaned by its age. */
  async runCycle(): Promise<void> {
    for (const s of ['expiredinvoices', 'paidinvoices'] as const) {
      const age = this.ageOf(s);
      if (age <= 0 || this.stopped) continue;
      try {
        await this.clean(s, age);
      } catch (err) {
        this.logger?.error({ err, subsystem: s }, 'autoclean failed');
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** `autoclean-status` entries, all seven subsystems (or one), with the persisted totals. */
  status(
    subsystem: AutocleanSubsystem | undefined,
    cleaned: Partial<Record<AutocleanSubsystem, number>>,
  ): AutocleanStatusEntry[] {
    const names = subsystem ? [subsystem] : AUTOCLEAN_SUBSYSTEMS;
    return names.map((name) => {
      const age = this.ageOf(name);
      return {
        subsystem: name,
        enabled: age > 0,
        ...(age > 0 ? { age } : {}),
        cleaned: cleaned[name] ?? 0,
      };
    });
  }
}
