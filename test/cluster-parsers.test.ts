import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendStatusProblems, parseBackendStatus } from '../activities/cluster/parsers/backend-status';
import { chefLoadErrorRate, parseChefLoad } from '../activities/cluster/parsers/chef-load';
import { clusterLeader, clusterStatusProblems, parseClusterStatus } from '../activities/cluster/parsers/cluster-status';
import { parseServerStatus, serverStatusProblems } from '../activities/cluster/parsers/server-status';
import { parseServerTest } from '../activities/cluster/parsers/server-test';
import { parseDhms, parseGoDuration } from '../activities/cluster/parsers/text';

/** Every sample output of /work/shared/docs/chef-ha-ops.md, parsed to the documented values. */

// §1.4, healthy (install_server_ha.md / ctl_chef_backend.md).
const STATUS_HEALTHY = `Service        Local Status        Time in State  Distributed Node Status
elasticsearch  running (pid 6661)  1d 5h 59m 41s  state: green; nodes online: 3/3
etcd           running (pid 6742)  1d 5h 59m 39s  health: green; healthy nodes: 3/3
leaderl        running (pid 6788)  1d 5h 59m 35s  leader: 1; waiting: 0; follower: 2; total: 3
postgresql     running (pid 6640)  1d 5h 59m 43s  leader: 1; offline: 0; syncing: 0; synced: 2
`;

// §1.4, newer builds: the epmd row and the disks table (server_monitor.md).
const STATUS_NEWER = `Service        Local Status        Time in State  Distributed Node Status
epmd           running (pid 6620)  1d 5h 59m 45s  status: local-only
elasticsearch  running (pid 6661)  1d 5h 59m 41s  state: green; nodes online: 3/3
etcd           running (pid 6742)  1d 5h 59m 39s  health: green; healthy nodes: 3/3
leaderl        running (pid 6788)  1d 5h 59m 35s  leader: 1; waiting: 0; follower: 2; total: 3
postgresql     running (pid 6640)  1d 5h 59m 43s  leader: 1; offline: 0; syncing: 0; synced: 2

System  Local Status  Distributed Node Status
disks  /var/log/chef-backend: OK; /var/opt/chef-backend: OK  health: green; healthy nodes: 3/3
`;

// §1.4, unhealthy: all nodes waiting, no leader (chef/chef-server #1405).
const STATUS_LEADERLESS = `Service        Local Status        Time in State  Distributed Node Status
elasticsearch  running (pid 6661)  27d 9h 51m 40s  state: green; nodes online: 3/3
etcd           running (pid 6742)  27d 9h 51m 39s  health: green; healthy nodes: 3/3
leaderl        running (pid 22080)  27d 9h 51m 38s  leader: 0; waiting: 3; follower: 0; total: 3
postgresql     down                 0d 0h 10m 27s   error: could not reach pgsql leader for replication stats
`;

// §1.5 text (upgrade_server_ha_v2.md).
const CLUSTER_TEXT = `Name       IP              GUID                              Role      PG        ES
backend-1  192.168.33.215  dc0c6ea77a751f94037cd950e8451fa3  leader    leader    not_master
backend-2  192.168.33.216  008782c59d3628b6bb7f43556ac0c66c  follower  follower  not_master
backend-3  192.168.33.217  1af654172b1830927a571d9a5ba7965b  follower  follower  master
`;

// §1.5 --json, project contract: a top-level array.
const CLUSTER_JSON = JSON.stringify([
  {
    name: 'backend-1',
    ip: '192.168.33.215',
    guid: 'dc0c6ea77a751f94037cd950e8451fa3',
    role: 'leader',
    pg: 'leader',
    es: 'not_master',
  },
  {
    name: 'backend-2',
    ip: '192.168.33.216',
    guid: '008782c59d3628b6bb7f43556ac0c66c',
    role: 'follower',
    pg: 'follower',
    es: 'not_master',
    following: 'backend-1',
  },
  {
    name: 'backend-3',
    ip: '192.168.33.217',
    guid: '1af654172b1830927a571d9a5ba7965b',
    role: 'follower',
    pg: 'follower',
    es: 'master',
    blocked: false,
    eligible: true,
  },
]);

describe('chef-backend-ctl status (§1.4)', () => {
  it('parses the healthy table to rows, pids, times and distributed counts', () => {
    const s = parseBackendStatus(STATUS_HEALTHY);
    assert.deepEqual(
      s.services.map((r) => [r.service, r.running, r.pid]),
      [
        ['elasticsearch', true, 6661],
        ['etcd', true, 6742],
        ['leaderl', true, 6788],
        ['postgresql', true, 6640],
      ],
    );
    const by = Object.fromEntries(s.services.map((r) => [r.service, r]));
    assert.equal(by.elasticsearch?.secondsInState, 86400 + 5 * 3600 + 59 * 60 + 41);
    assert.deepEqual(by.elasticsearch?.elasticsearch, { state: 'green', healthy: 3, total: 3 });
    assert.deepEqual(by.etcd?.etcd, { state: 'green', healthy: 3, total: 3 });
    assert.deepEqual(by.leaderl?.leaderl, { leader: 1, waiting: 0, follower: 2, total: 3 });
    assert.deepEqual(by.postgresql?.postgresql, { leader: 1, offline: 0, syncing: 0, synced: 2 });
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.unparsed, []);
    assert.deepEqual(backendStatusProblems(s), []);
  });

  it('parses the epmd row and the disks table of newer builds', () => {
    const s = parseBackendStatus(STATUS_NEWER);
    const epmd = s.services.find((r) => r.service === 'epmd');
    assert.equal(epmd?.running, true);
    assert.equal(epmd?.distributed, 'status: local-only');
    assert.deepEqual(s.disks?.paths, [
      { path: '/var/log/chef-backend', state: 'OK' },
      { path: '/var/opt/chef-backend', state: 'OK' },
    ]);
    assert.deepEqual(s.disks?.health, { state: 'green', healthy: 3, total: 3 });
    assert.deepEqual(s.unparsed, []);
    assert.deepEqual(backendStatusProblems(s), []);
  });

  it('detects the leaderless sample: leader 0 / waiting 3, postgresql down with its error', () => {
    const s = parseBackendStatus(STATUS_LEADERLESS);
    const by = Object.fromEntries(s.services.map((r) => [r.service, r]));
    assert.deepEqual(by.leaderl?.leaderl, { leader: 0, waiting: 3, follower: 0, total: 3 });
    assert.equal(by.leaderl?.pid, 22080);
    assert.equal(by.postgresql?.running, false);
    assert.equal(by.postgresql?.localStatus, 'down');
    assert.equal(by.postgresql?.secondsInState, 627);
    assert.equal(by.postgresql?.error, 'could not reach pgsql leader for replication stats');
    assert.deepEqual(s.errors, ['could not reach pgsql leader for replication stats']);
    const problems = backendStatusProblems(s);
    assert.ok(
      problems.some((p) => /^postgresql down \(error: could not reach pgsql leader/.test(p)),
      problems.join(),
    );
    assert.ok(
      problems.some((p) => /^leaderless: leader 0, waiting 3 of 3/.test(p)),
      problems.join(),
    );
  });

  it('flags syncing, offline, yellow/red, a down epmd, a bad disk and a stray error line', () => {
    const bad = STATUS_NEWER.replace('syncing: 0; synced: 2', 'syncing: 1; synced: 1')
      .replace('state: green; nodes online: 3/3', 'state: yellow; nodes online: 2/3')
      .replace('epmd           running (pid 6620)', 'epmd           down              ')
      .replace('/var/opt/chef-backend: OK', '/var/opt/chef-backend: LOW')
      .concat('error: etcd request timed out\n');
    const problems = backendStatusProblems(parseBackendStatus(bad));
    for (const want of [
      /postgresql syncing 1/,
      /elasticsearch yellow 2\/3/,
      /^epmd down/,
      /disk \/var\/opt\/chef-backend LOW/,
      /error: etcd request timed out/,
    ])
      assert.ok(
        problems.some((p) => want.test(p)),
        `${want} in ${problems.join(' | ')}`,
      );
    const offline = STATUS_HEALTHY.replace('offline: 0; syncing: 0; synced: 2', 'offline: 1; syncing: 0; synced: 1');
    assert.deepEqual(backendStatusProblems(parseBackendStatus(offline)), ['postgresql offline 1']);
  });

  it('reports a missing service and reads the --simple runit lines', () => {
    const noPg = STATUS_HEALTHY.split('\n')
      .filter((l) => !l.startsWith('postgresql'))
      .join('\n');
    assert.deepEqual(backendStatusProblems(parseBackendStatus(noPg)), ['postgresql missing from the table']);
    const simple = parseBackendStatus(
      'run: elasticsearch: (pid 6661) 106983s; run: log: (pid 6667) 106983s\ndown: postgresql: 12s, normally up; run: log: (pid 6670) 106983s\n',
    );
    assert.deepEqual(
      simple.services.map((r) => [r.service, r.running, r.pid, r.secondsInState]),
      [
        ['elasticsearch', true, 6661, 106983],
        ['postgresql', false, undefined, 12],
      ],
    );
  });
});

describe('chef-backend-ctl cluster-status (§1.5)', () => {
  it('parses the text table', () => {
    const s = parseClusterStatus(CLUSTER_TEXT);
    assert.equal(s.format, 'text');
    assert.deepEqual(s.nodes[0], {
      name: 'backend-1',
      ip: '192.168.33.215',
      guid: 'dc0c6ea77a751f94037cd950e8451fa3',
      role: 'leader',
      pg: 'leader',
      es: 'not_master',
    });
    assert.deepEqual(
      s.nodes.map((n) => [n.name, n.role, n.pg, n.es]),
      [
        ['backend-1', 'leader', 'leader', 'not_master'],
        ['backend-2', 'follower', 'follower', 'not_master'],
        ['backend-3', 'follower', 'follower', 'master'],
      ],
    );
    assert.equal(clusterLeader(s)?.name, 'backend-1');
    assert.deepEqual(clusterStatusProblems(s), []);
  });

  it('parses the project-contract JSON array, and the same nodes under an object with odd key case', () => {
    const s = parseClusterStatus(CLUSTER_JSON);
    assert.equal(s.format, 'json');
    assert.deepEqual(
      s.nodes,
      parseClusterStatus(CLUSTER_TEXT).nodes.map((n, i) => ({
        ...n,
        ...(i === 1 ? { following: 'backend-1' } : {}),
        ...(i === 2 ? { blocked: false, eligible: true } : {}),
      })),
    );
    const wrapped = JSON.stringify({
      cluster: 'ChefBackend',
      Nodes: JSON.parse(CLUSTER_JSON).map((n: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(n).map(([k, v]) => [k.toUpperCase(), v])),
      ),
    });
    const w = parseClusterStatus(wrapped);
    assert.equal(w.format, 'json');
    assert.deepEqual(
      w.nodes.map((n) => [n.name, n.role, n.pg, n.es]),
      s.nodes.map((n) => [n.name, n.role, n.pg, n.es]),
    );
    const keyed = parseClusterStatus(JSON.stringify({ 'backend-1': { Role: 'leader', PG: 'leader', ES: 'master' } }));
    assert.deepEqual(
      keyed.nodes.map((n) => [n.name, n.role, n.pg, n.es]),
      [['backend-1', 'leader', 'leader', 'master']],
    );
  });

  it('falls back to the table when the JSON is not a node list, and flags unhealthy shapes', () => {
    const leaderless = CLUSTER_TEXT.replace(/leader {4}leader/, 'waiting_for_leader waiting').replace(
      /follower {2}follower/g,
      'waiting_for_leader waiting',
    );
    const l = parseClusterStatus(leaderless);
    assert.equal(l.nodes.length, 3);
    assert.ok(clusterStatusProblems(l).some((p) => /^no leader \(waiting: backend-1, backend-2, backend-3\)/.test(p)));
    const two = parseClusterStatus(CLUSTER_TEXT.replace('follower  follower  master', 'leader    leader    master'));
    assert.ok(clusterStatusProblems(two).includes('2 leaders: backend-1, backend-3'));
    const masters = parseClusterStatus(CLUSTER_TEXT.replace('not_master\nbackend-2', 'master\nbackend-2'));
    assert.ok(clusterStatusProblems(masters).includes('2 Elasticsearch masters: backend-1, backend-3'));
    const wrongPg = parseClusterStatus(CLUSTER_TEXT.replace('leader    leader', 'leader    follower'));
    assert.ok(clusterStatusProblems(wrongPg).includes('leader backend-1 has PG follower'));
    assert.deepEqual(clusterStatusProblems(parseClusterStatus('')), [
      '0 nodes listed, expected 3',
      'no leader',
      '0 Elasticsearch masters',
    ]);
    assert.equal(parseClusterStatus('{"error":"not in a cluster"}').format, 'none');
  });
});

describe('chef-server-ctl status (§2.3)', () => {
  const OUT = `-------------------
 Internal Services
-------------------
run: bookshelf: (pid 1100) 8634s; run: log: (pid 1101) 8634s
run: haproxy: (pid 1102) 8634s; run: log: (pid 1103) 8634s
down: opscode-erchef: 3s, normally up; run: log: (pid 1105) 8634s
run: nginx: (pid 1106) 8634s; run: log: (pid 1107) 8634s
-------------------
 External Services
-------------------
run: postgresql: connected OK to 127.0.0.1:5432
down: elasticsearch: failed to connect to http://127.0.0.1:9200: connection refused
`;
  it('parses runit lines, log services and the external block', () => {
    const s = parseServerStatus(OUT);
    assert.deepEqual(
      s.services.map((x) => [x.name, x.state, x.pid, x.seconds, x.external]),
      [
        ['bookshelf', 'run', 1100, 8634, false],
        ['haproxy', 'run', 1102, 8634, false],
        ['opscode-erchef', 'down', undefined, 3, false],
        ['nginx', 'run', 1106, 8634, false],
        ['postgresql', 'run', undefined, undefined, true],
        ['elasticsearch', 'down', undefined, undefined, true],
      ],
    );
    assert.deepEqual(s.services[0]?.log, { state: 'run', pid: 1101, seconds: 8634 });
    assert.equal(s.services[2]?.normallyUp, true);
    assert.equal(s.services[4]?.detail, 'connected OK to 127.0.0.1:5432');
    assert.deepEqual(s.unparsed, []);
    assert.deepEqual(serverStatusProblems(s), [
      'opscode-erchef down for 3s',
      'external elasticsearch down: failed to connect to http://127.0.0.1:9200: connection refused',
    ]);
  });

  it('passes plain runit output (no external block) and fails an empty one', () => {
    const s = parseServerStatus('run: nginx: (pid 6661) 106983s; run: log: (pid 6667) 106983s\n');
    assert.deepEqual(serverStatusProblems(s), []);
    assert.deepEqual(serverStatusProblems(parseServerStatus('')), ['no service lines']);
  });
});

describe('chef-server-ctl test (§2.4)', () => {
  it('reads the summary with and without pending, and the exit code', () => {
    const ok = parseServerTest(
      'Finished in 1 minute 8.77 seconds (files took 1.98 seconds to load)\n72 examples, 0 failures\n',
      0,
    );
    assert.deepEqual(
      { ...ok },
      {
        exitCode: 0,
        summaryFound: true,
        examples: 72,
        failures: 0,
        failedExamples: [],
        passed: true,
        duration: '1 minute 8.77 seconds',
      },
    );
    const pending = parseServerTest('\u001b[32m72 examples, 0 failures, 3 pending\u001b[0m\n', 0);
    assert.equal(pending.pending, 3);
    assert.equal(pending.passed, true);
    const bad = parseServerTest(
      '72 examples, 2 failures, 1 pending\n\nrspec ./spec/api/search_spec.rb:42 # Search returns the node\n',
      1,
    );
    assert.equal(bad.failures, 2);
    assert.equal(bad.passed, false);
    assert.deepEqual(bad.failedExamples, ['rspec ./spec/api/search_spec.rb:42 # Search returns the node']);
    assert.equal(parseServerTest('1 example, 0 failures', 1).passed, false, 'non-zero exit fails even with 0 failures');
    const died = parseServerTest('Could not connect to https://127.0.0.1', 1);
    assert.equal(died.summaryFound, false);
    assert.equal(died.passed, false);
  });
});

describe('chef-load output (§4)', () => {
  // The README sample row, the v4 total line, as logrus prints them without a TTY (time=… level=info msg="…").
  const PROFILE = [
    'time="2024-05-01T10:00:00Z" level=info msg="Total API Requests: 616 over 1m0.003s. RPS: 10.27"',
    'time="2024-05-01T10:00:00Z" level=info msg="% of Total | Subtotal | Status | Method | URL"',
    'time="2024-05-01T10:00:00Z" level=info msg="90.91        560        200      GET      https://chef.lxc:443/bookshelf/<...>"',
    'time="2024-05-01T10:00:00Z" level=info msg="3.25         20         500      PUT      https://chef.lxc:443/organizations/demo/nodes/<prefix>-<N>"',
    'time="2024-05-01T10:00:00Z" level=info msg="1.62         10         999      GET      https://chef.lxc:443/organizations/demo/roles/<ROLENAME>"',
    'time="2024-05-01T10:00:00Z" level=info msg="3.25         20         409      POST     https://chef.lxc:443/organizations/demo/clients"',
    'time="2024-05-01T10:00:00Z" level=info msg="0.97         6          409      POST     https://chef.lxc:443/organizations/demo/nodes"',
    'All clients busy, waiting for one to complete before next run. Server may be responding slowly',
  ].join('\n');

  it('reads the total, the duration, the RPS and the rows → 5xx and 999 counts', () => {
    const r = parseChefLoad(PROFILE);
    assert.equal(r.totalRequests, 616);
    assert.equal(r.durationSeconds, 60.003);
    assert.equal(r.rps, 10.27);
    assert.equal(r.rows.length, 5);
    assert.deepEqual(r.rows[0], {
      percent: 90.91,
      count: 560,
      status: 200,
      method: 'GET',
      url: 'https://chef.lxc:443/bookshelf/<...>',
    });
    assert.equal(r.serverErrors, 20);
    assert.equal(r.noResponse, 10);
    assert.equal(r.unexpectedConflicts, 6, '409 on POST clients is expected, on POST nodes it is not');
    assert.deepEqual(r.statusCounts, { '200': 560, '500': 20, '999': 10, '409': 26 });
    assert.equal(r.clientsBusy, 1);
    assert.equal(chefLoadErrorRate(r), 30 / 616);
  });

  it('reads the TTY form and the README form without duration', () => {
    const tty = parseChefLoad(
      'INFO[0060] Total API Requests: 100 over 10s. RPS: 10.00\nINFO[0060] 100.00       100        200      GET      https://x/organizations/o/nodes/<prefix>-<N>\n',
    );
    assert.equal(tty.totalRequests, 100);
    assert.equal(tty.rps, 10);
    assert.equal(tty.rows[0]?.url, 'https://x/organizations/o/nodes/<prefix>-<N>');
    const readme = parseChefLoad('INFO[0030] Total API Requests: 616\n');
    assert.equal(readme.totalRequests, 616);
    assert.equal(readme.rps, undefined);
    assert.equal(chefLoadErrorRate(parseChefLoad('')), 1, 'no requests at all is a failure, not a 0% error rate');
  });

  it('summarises the JSON request log: status counts, 5xx, 999, latency, rate over the span', () => {
    const line = (
      status: number,
      seconds: number,
      t: string,
      method = 'GET',
      url = 'https://x/organizations/o/nodes/chef-load-1',
    ) =>
      JSON.stringify({
        level: 'info',
        msg: 'API Request',
        node_name: 'chef-load-1',
        method,
        url,
        status_code: status,
        request_time_seconds: seconds,
        time: t,
      });
    const log = [
      line(200, 0.01, '2024-05-01T10:00:00Z'),
      line(200, 0.02, '2024-05-01T10:00:01Z'),
      line(503, 0.5, '2024-05-01T10:00:02Z'),
      line(999, 30, '2024-05-01T10:00:03Z'),
      line(409, 0.01, '2024-05-01T10:00:04Z', 'POST', 'https://x/organizations/o/clients'),
    ].join('\n');
    const r = parseChefLoad(log);
    assert.equal(r.totalRequests, 5);
    assert.equal(r.serverErrors, 1);
    assert.equal(r.noResponse, 1);
    assert.equal(r.unexpectedConflicts, 0);
    assert.deepEqual(r.requestLog?.statusCounts, { '200': 2, '503': 1, '999': 1, '409': 1 });
    assert.equal(r.requestLog?.p50Seconds, 0.02);
    assert.equal(r.requestLog?.p99Seconds, 30);
    assert.equal(r.requestLog?.spanSeconds, 4);
    assert.equal(r.rps, 5 / 4);
    // With a profile too, the profile counts win and the log still gives the latencies.
    const both = parseChefLoad(`${PROFILE}\n${log}`);
    assert.equal(both.totalRequests, 616);
    assert.equal(both.requestLog?.requests, 5);
  });
});

describe('text helpers', () => {
  it('parses the status time column and Go durations', () => {
    assert.equal(parseDhms('0d 0h 10m 27s'), 627);
    assert.equal(parseDhms('27d 9h 51m 38s'), 27 * 86400 + 9 * 3600 + 51 * 60 + 38);
    assert.equal(parseDhms('soon'), undefined);
    assert.equal(parseGoDuration('1m0.003s'), 60.003);
    assert.equal(parseGoDuration('1h2m3s'), 3723);
    assert.equal(parseGoDuration('500ms'), 0.5);
    assert.equal(parseGoDuration('1.5µs'), 1.5e-6);
    assert.equal(parseGoDuration('10 minutes'), undefined);
  });
});
