import type { Command } from 'commander';
import { NODE_SETTINGS } from '../node-settings.js';
import { addNodeOptions, nodeSettings } from './node.js';

/**
 * `cdrchain config print [node flags]`: the node's effective configuration — every key with its
 * value and where it came from (flag, env, file, default) — as `cdrchain node` with the same flags,
 * environment and configuration file would run. Exit 2 names a bad key.
 */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('the node\'s configuration file, environment variables and flags');
  addNodeOptions(config.command('print').description('print the effective configuration of `cdrchain node` with these flags, the environment and --config / CDRCHAIN_CONFIG'))
    .action((_flags: unknown, cmd: Command) => {
      const { options, sources, file } = nodeSettings(cmd);
      const settings: Record<string, unknown> = {};
      for (const s of NODE_SETTINGS) {
        const value = options[s.attr];
        if (value === undefined) continue;
        settings[s.key] = { value, source: sources[s.key] ?? 'default', env: s.env };
      }
      process.stdout.write(`${JSON.stringify({ configFile: file ?? null, settings }, null, 2)}\n`);
    });
}
