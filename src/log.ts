import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs to stdout; `CDRCHAIN_LOG_LEVEL` or the caller picks the level. */
export function createLogger(name: string, level?: string): Logger {
  return pino({ name, level: level ?? process.env['CDRCHAIN_LOG_LEVEL'] ?? 'info', base: { name } });
}

/** A logger that writes nothing: for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
