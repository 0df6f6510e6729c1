import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import {
  checkDependsOn,
  checkFiles,
  checkNetworkAndImages,
  checkPorts,
  checkSearchAttributes,
  checkServices,
  checkWorkerEnv,
  envNamesReadAtRuntime,
  envNamesReadIn,
} from './deploy-checks/compose-checks';
import type { ComposeFile, EnvValue } from './deploy-checks/compose-model';
import { checkDockerfile, dockerInstructions, importsOutside } from './deploy-checks/dockerfile-checks';
import { NAMESPACE_SCRIPT, read, repoExists, ROOT, SETTINGS_FILE } from './deploy-checks/repo';
import { shellScripts, unsetVariables } from './deploy-checks/shell-checks';

/**
 * docker-compose.yml, the Dockerfile and deploy/ checked against the code, without Docker: the worker's environment
 * against worker/settings.ts, the search attributes the namespace step registers against workflows/search-attributes.ts,
 * and every service, port, mount and file the deployment refers to. Each check returns its problems as strings, so
 * the last suite can show that each one fails on a broken input.
 */

const compose = parse(read('docker-compose.yml')) as ComposeFile;
const settingsEnvNames = envNamesReadIn(read(SETTINGS_FILE));

describe('docker-compose.yml against the code', () => {
  it('has the six services', () => {
    assert.deepEqual(checkServices(compose), []);
  });

  it("sets exactly the worker's environment variables, read from worker/settings.ts", () => {
    assert.ok(settingsEnvNames.length >= 5, `too few env names found in ${SETTINGS_FILE}: ${settingsEnvNames}`);
    assert.deepEqual(settingsEnvNames, envNamesReadAtRuntime(), 'source scan and runtime reads disagree');
    assert.deepEqual(checkWorkerEnv(compose, settingsEnvNames), []);
  });

  it('registers every search attribute of workflows/search-attributes.ts with its type', () => {
    assert.ok(SEARCH_ATTRIBUTES.length > 0);
    assert.deepEqual(checkSearchAttributes(read(NAMESPACE_SCRIPT), SEARCH_ATTRIBUTES), []);
  });

  it('orders services by depends_on conditions on existing services', () => {
    assert.deepEqual(checkDependsOn(compose), []);
  });

  it('publishes 7233, 8080 and 5432', () => {
    assert.deepEqual(checkPorts(compose), []);
  });

  it('mounts and builds only files of the repo', () => {
    assert.deepEqual(checkFiles(compose, repoExists), []);
    const dynamicConfig = parse(read('deploy/dynamicconfig/development-sql.yaml')) as Record<string, unknown>;
    assert.ok(Array.isArray(dynamicConfig['limit.maxIDLength']), 'dynamic config lacks limit.maxIDLength');
  });

  it('uses one bridge network and pinned images', () => {
    assert.deepEqual(checkNetworkAndImages(compose, read('docker-compose.yml')), []);
  });
});

describe('Dockerfile', () => {
  it('runs an existing, copied file as a non-root user', () => {
    assert.deepEqual(checkDockerfile(read('Dockerfile'), read('.dockerignore'), compose, repoExists), []);
  });

  it('copies every source the copied code imports, and tsx is a runtime dependency', () => {
    const copied = dockerInstructions(read('Dockerfile'))
      .filter((i) => i.op === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .filter((src) => repoExists(src) && statSync(join(ROOT, src)).isDirectory());
    assert.deepEqual(importsOutside(copied), []);
    const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
    assert.ok(pkg.dependencies?.tsx, 'tsx must be in dependencies: npm ci --omit=dev would drop it');
  });
});

describe('deploy shell scripts', () => {
  const scripts = shellScripts('deploy');

  it('are found', () => {
    assert.ok(scripts.includes(NAMESPACE_SCRIPT), `${NAMESPACE_SCRIPT} not among ${scripts}`);
  });

  for (const script of scripts) {
    it(`${script} parses (bash -n, and sh -n for /bin/sh scripts)`, () => {
      const shells = read(script).startsWith('#!/bin/sh') ? ['bash', 'sh'] : ['bash'];
      for (const shell of shells) {
        const r = spawnSync(shell, ['-n', join(ROOT, script)], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${shell} -n ${script}: ${r.stderr}`);
      }
      assert.match(read(script), /^set -eu/m, `${script} does not stop on errors and unset variables`);
      assert.deepEqual(unsetVariables(read(script)), [], `${script} reads variables it never sets`);
    });
  }
});

describe('the checks fail on broken inputs', () => {
  const clone = (): ComposeFile => structuredClone(compose);

  it('a search attribute added to the code but not to the script', () => {
    const more = [...SEARCH_ATTRIBUTES, { name: 'MigrationNewThing', type: 'KEYWORD' }];
    assert.match(checkSearchAttributes(read(NAMESPACE_SCRIPT), more).join('\n'), /MigrationNewThing.*not registered/);
    const retyped = SEARCH_ATTRIBUTES.map((sa, i) => (i === 0 ? { name: sa.name, type: 'INT' } : sa));
    assert.match(checkSearchAttributes(read(NAMESPACE_SCRIPT), retyped).join('\n'), /registered as/);
  });

  it('an environment variable read by the code but not set, or set but not read', () => {
    assert.match(
      checkWorkerEnv(compose, [...settingsEnvNames, 'CHEF_MIGRATE_NEW']).join('\n'),
      /lacks CHEF_MIGRATE_NEW/,
    );
    const c = clone();
    (c.services.worker?.environment as Record<string, EnvValue>).CHEF_MIGRATE_TASK_QUEUE = 'other';
    assert.match(checkWorkerEnv(c, settingsEnvNames).join('\n'), /not the default/);
  });

  it('a dependency on a missing service, and a mount or script missing from the repo', () => {
    const c = clone();
    c.services.worker = { ...c.services.worker, depends_on: { nowhere: { condition: 'service_healthy' } } };
    assert.match(checkDependsOn(c).join('\n'), /nowhere, which is no service/);
    assert.match(checkFiles(compose, (f) => f !== './deploy/dynamicconfig').join('\n'), /not in the repo/);
    assert.match(
      checkFiles(compose, (f) => !f.endsWith('create-namespace.sh')).join('\n'),
      /create-namespace\.sh.*not in the repo/,
    );
  });

  it('a variable misspelled in a script, as in the samples-server original', () => {
    const script = read(NAMESPACE_SCRIPT).replace(/"\$attempt" -lt "\$MAX_ATTEMPTS"/, '"$attempt" -lt "$MAX_ATTdMPTS"');
    assert.deepEqual(unsetVariables(script), ['MAX_ATTdMPTS']);
  });

  it('a CMD that runs a missing file, and a port not published', () => {
    const dockerfile = read('Dockerfile').replace('worker/main.ts', 'worker/gone.ts');
    assert.match(checkDockerfile(dockerfile, read('.dockerignore'), compose, repoExists).join('\n'), /gone\.ts/);
    const c = clone();
    c.services['temporal-ui'] = { ...c.services['temporal-ui'], ports: ['127.0.0.1:8081:8080'] };
    assert.match(checkPorts(c).join('\n'), /temporal-ui does not publish 8080:8080/);
  });
});
