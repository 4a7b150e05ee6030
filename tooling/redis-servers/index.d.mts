/** A port the kernel just handed out on 127.0.0.1 (free when returned). */
export declare function freePort(): Promise<number>;
/** One running redis-server. */
export declare class RedisServer {
  readonly port: number;
  constructor(port: number, dir: string, extraArgs?: string[]);
  get url(): string;
  get pid(): number | undefined;
  /** Starts the process and resolves once it logs that it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL (a crash, not a shutdown), and waits until the process is gone. */
  kill(): Promise<void>;
}
/** A set of servers started by one test file; `stop()` kills exactly them and removes their dir. */
export interface RedisFixture {
  readonly servers: RedisServer[];
  stop(): Promise<void>;
}
/** One plain redis-server. */
export declare function startRedis(): Promise<
  RedisFixture & {
    server: RedisServer;
  }
>;
/**
 * A Redis Cluster of `masters` masters and no replicas, ready (`cluster_state:ok` on
 * every node). The bus ports are picked free too, not left at port + 10000.
 */
export declare function startRedisCluster(masters?: number): Promise<RedisFixture>;
/** PUBSUB CHANNELS (or SHARDCHANNELS) of one server, from a separate redis-cli connection. */
export declare function pubsubChannels(port: number, sharded: boolean, pattern?: string): Promise<string[]>;
