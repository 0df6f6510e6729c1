import { resolve } from 'node:path';
import { z } from 'zod';
import type { ClusterPlan } from '../activities/cluster/types';

const host = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a short host name (letters, digits, . _ -)'),
    sshHost: z.string().min(1),
    sshPort: z.number().int().min(1).max(65535).default(22),
    address: z.string().min(1).optional(),
    fqdn: z.string().min(1).optional(),
  })
  .strict();

/** The plan's `cluster` section: how to reach the hosts, what to install, what healthy means. */
export const ClusterSection = z
  .object({
    ssh: z
      .object({
        user: z.string().min(1).default('root'),
        key: z.string().min(1),
        knownHosts: z.string().min(1),
        trustOnFirstUse: z.boolean().default(false),
        sudo: z.boolean().default(false),
        commandTimeoutSeconds: z.number().int().positive().default(900),
        connectTimeoutSeconds: z.number().int().positive().default(10),
      })
      .strict(),
    backends: z.array(host).length(3, 'chef-backend clusters have exactly three backends'),
    frontends: z.array(host.extend({ fqdn: z.string().min(1) })).min(1, 'at least one frontend'),
    packages: z
      .object({ backend: z.string().min(1).optional(), frontend: z.string().min(1).optional() })
      .strict()
      .default({}),
    requiredPorts: z.array(z.number().int().min(1).max(65535)).default([2379, 2380, 5432, 7331, 9200]),
    health: z
      .object({
        leaderlPort: z.number().int().default(7331),
        elasticsearchPort: z.number().int().default(9200),
        etcdPort: z.number().int().default(2379),
        statusUrls: z.record(z.string(), z.string().url()).optional(),
        endpoints: z
          .object({
            leaderl: z.record(z.string(), z.string().url()).optional(),
            elasticsearch: z.string().url().optional(),
            etcd: z.record(z.string(), z.string().url()).optional(),
            postgres: z
              .record(z.string(), z.object({ host: z.string().min(1), port: z.number().int() }).strict())
              .optional(),
          })
          .strict()
          .optional(),
        postgres: z
          .object({
            port: z.number().int().default(5432),
            user: z.string().default('chef_pgsql'),
            database: z.string().default('postgres'),
            passwordEnv: z.string().optional(),
          })
          .strict()
          .default({ port: 5432, user: 'chef_pgsql', database: 'postgres' }),
      })
      .strict()
      .default({
        leaderlPort: 7331,
        elasticsearchPort: 9200,
        etcdPort: 2379,
        postgres: { port: 5432, user: 'chef_pgsql', database: 'postgres' },
      }),
    thresholds: z
      .object({
        maxClockDriftSeconds: z.number().positive().default(1.5),
        maxReplicationLagBytes: z
          .number()
          .int()
          .positive()
          .default(50 * 1024 * 1024),
        joinTimeoutSeconds: z.number().int().positive().default(600),
        failoverTimeoutSeconds: z.number().int().positive().default(300),
        pollIntervalSeconds: z.number().positive().default(5),
      })
      .strict()
      .default({
        maxClockDriftSeconds: 1.5,
        maxReplicationLagBytes: 50 * 1024 * 1024,
        joinTimeoutSeconds: 600,
        failoverTimeoutSeconds: 300,
        pollIntervalSeconds: 5,
      }),
    failoverTests: z
      .object({ soft: z.boolean().default(false), hard: z.boolean().default(false) })
      .strict()
      .default({ soft: false, hard: false }),
    loadTest: z
      .object({
        durationSeconds: z.number().int().positive(),
        chefLoadConfigPath: z.string().min(1),
        maxErrorRate: z.number().min(0).max(1).default(0.01),
      })
      .strict()
      .optional(),
    canaries: z
      .array(
        z.object({ host, command: z.string().min(1), nodeName: z.string().min(1), org: z.string().min(1) }).strict(),
      )
      .optional(),
  })
  .strict();
export type ClusterSection = z.infer<typeof ClusterSection>;

const toHost = (h: z.infer<typeof host>) => ({ ...h, address: h.address ?? h.sshHost });

/** Paths resolved, defaults filled: what the cluster activities receive (paths only, never key contents). */
export function clusterPlanFrom(c: ClusterSection): ClusterPlan {
  return {
    ssh: {
      user: c.ssh.user,
      keyPath: resolve(c.ssh.key),
      knownHostsPath: resolve(c.ssh.knownHosts),
      trustOnFirstUse: c.ssh.trustOnFirstUse,
      sudo: c.ssh.sudo,
      commandTimeoutSeconds: c.ssh.commandTimeoutSeconds,
      connectTimeoutSeconds: c.ssh.connectTimeoutSeconds,
    },
    backends: c.backends.map(toHost),
    frontends: c.frontends.map(toHost),
    packages: {
      ...(c.packages.backend ? { backend: resolve(c.packages.backend) } : {}),
      ...(c.packages.frontend ? { frontend: resolve(c.packages.frontend) } : {}),
    },
    requiredPorts: c.requiredPorts,
    health: c.health,
    thresholds: c.thresholds,
    failoverTests: c.failoverTests,
    ...(c.loadTest ? { loadTest: { ...c.loadTest, chefLoadConfigPath: resolve(c.loadTest.chefLoadConfigPath) } } : {}),
    ...(c.canaries ? { canaries: c.canaries.map((k) => ({ ...k, host: toHost(k.host) })) } : {}),
  };
}
