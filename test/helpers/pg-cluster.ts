import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

// Private PostgreSQL clusters for the tests of a real server's faults and replicas: initdb, pg_ctl
// and pg_basebackup of /usr/lib/postgresql/<version>/bin, on loopback, in temporary directories.

/** A PostgreSQL cluster of its own in a temporary directory, on a free loopback port, trust auth. */
export class Cluster {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly runAs: { uid: number; gid: number } | undefined,
    /** Server settings (`name=value`) of every start. */
    private readonly settings: string[],
  ) {}

  static async create(bin: string, settings: string[] = []): Promise<Cluster> {
    const cluster = await Cluster.empty(bin, settings);
    cluster.run("initdb", ["-D", cluster.dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
    return cluster;
  }

  /**
   * A streaming replica of `primary` (running), with the primary's settings: a base backup written
   * with its standby.signal and primary_conninfo (`pg_basebackup -R`), to start on a port of its own.
   * initdb's trust rules let replication connections in from loopback.
   */
  static async replicaOf(primary: Cluster): Promise<Cluster> {
    const replica = await Cluster.empty(primary.bin, primary.settings);
    try {
      // A fast checkpoint: the default waits for a spread one, minutes on an idle cluster.
      replica.run("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", replica.dataDir, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]);
    } catch (error) {
      replica.destroy();
      throw error;
    }
    return replica;
  }

  private static async empty(bin: string, settings: string[]): Promise<Cluster> {
    const dir = mkdtempSync(path.join(tmpdir(), "warfacts-pg-"));
    // initdb refuses to run as root: the cluster belongs to the postgres user then.
    const runAs = process.getuid?.() === 0 ? { uid: idOf("-u"), gid: idOf("-g") } : undefined;
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    return new Cluster(bin, dir, await freePort(), runAs, settings);
  }

  /** The server's log (its stderr). */
  get logFile() {
    return path.join(this.dir, "server.log");
  }

  private get dataDir() {
    return path.join(this.dir, "data");
  }

  url(database: string) {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  start() {
    // Commits are written to the WAL before they are answered (synchronous_commit on, as a server
    // runs by default): with it off, a write answered 201 was not yet in the WAL that a replica
    // receives or that /ready measures lag against, for up to the WAL writer's delay. fsync stays off.
    const settings = ["listen_addresses=127.0.0.1", "fsync=off", "full_page_writes=off", ...this.settings];
    const options = [`-p ${this.port} -k ${this.dir}`, ...settings.map((setting) => `-c ${setting}`)].join(" ");
    this.run("pg_ctl", ["start", "-w", "-t", "30", "-D", this.dataDir, "-l", this.logFile, "-o", options]);
  }

  stop(mode: "fast" | "immediate") {
    this.run("pg_ctl", ["stop", "-w", "-t", "30", "-m", mode, "-D", this.dataDir]);
  }

  async createDatabase(name: string) {
    const admin = new pg.Client({ connectionString: this.url("postgres") });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  }

  /** One query on a connection of its own. */
  async query<Row extends object>(database: string, text: string, params: unknown[] = []): Promise<Row[]> {
    const admin = new pg.Client({ connectionString: this.url(database) });
    await admin.connect();
    try {
      return (await admin.query<Row>(text, params)).rows;
    } finally {
      await admin.end();
    }
  }

  async sessionsInTransaction(database: string): Promise<number> {
    const admin = new pg.Client({ connectionString: this.url("postgres") });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        [database],
      );
      return rows[0]!.n;
    } finally {
      await admin.end();
    }
  }

  private frozen: number[] = [];

  /** SIGSTOP to the postmaster, then to its children: it accepts no more, and nothing answers. */
  freeze() {
    const postmaster = Number(readFileSync(path.join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(postmaster, "SIGSTOP");
    this.frozen = [postmaster, ...childrenOf(postmaster)];
    for (const pid of this.frozen.slice(1)) process.kill(pid, "SIGSTOP");
  }

  thaw() {
    for (const pid of this.frozen.splice(0).reverse()) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // gone already
      }
    }
  }

  destroy() {
    this.thaw();
    if (existsSync(path.join(this.dataDir, "postmaster.pid"))) {
      spawnSync(path.join(this.bin, "pg_ctl"), ["stop", "-w", "-m", "immediate", "-D", this.dataDir], { ...this.runAs, stdio: "ignore" });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]) {
    const result = spawnSync(path.join(this.bin, command), args, { ...this.runAs, encoding: "utf8", timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr || result.stdout || result.error}`);
  }
}

export function findPostgresBinaries(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const bin = versions.map((version) => path.join(root, version, "bin")).find((dir) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl")));
  if (!bin || (process.getuid?.() === 0 && !hasPostgresUser())) return undefined;
  return bin;
}

function hasPostgresUser() {
  try {
    idOf("-u");
    return true;
  } catch {
    return false;
  }
}

function idOf(flag: "-u" | "-g"): number {
  return Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
}

function childrenOf(parent: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // The fields after the command name, which is in parentheses and may hold spaces: state, ppid.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

