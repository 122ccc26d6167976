// Compiles every AssemblyScript entry point under assembly/ to build/<name>.wasm.
// Each entry is a self-contained module (no GC runtime needed on the hot paths); the compiler options
// are in asconfig.json at the repository root.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'build');
mkdirSync(outDir, { recursive: true });

// assembly/<module>/index.ts -> build/<module>.wasm
const modules = readdirSync(join(root, 'assembly'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'assembly', d.name, 'index.ts')))
  .map((d) => d.name);

let failed = false;
for (const name of modules) {
  const { error, stderr } = await asc.main([
    join('assembly', name, 'index.ts'),
    '--outFile', join('build', `${name}.wasm`),
    '--textFile', join('build', `${name}.wat`),
    '--config', 'asconfig.json', // the compiler options, shared by every module
  ], { stdout: process.stdout, stderr: process.stderr });
  if (error) {
    failed = true;
    console.error(`asc failed for assembly/${name}: ${error.message}\n${stderr.toString()}`);
  } else {
    console.log(`built build/${name}.wasm`);
  }
}
if (failed) process.exit(1);
