export interface LinearModel {
  readSeq: number;
  readRand: number;
  writeSeq: number;
  writeRand: number;
  readPage: number;
  writePage: number;
}
export interface ZoneKind {
  zone: string;
  op: 'R' | 'W';
  bytes: number;
  seq: boolean;
  fraction: number;
}
export interface GenIo {
  zone: string;
  op: 'R' | 'W';
  bytes: number;
  offset: number;
  seq: boolean;
  issue: number;
  service: number;
  done: number;
}
export interface GenOptions {
  k?: number;
  discipline?: 'fifo' | 'ps';
  load?: number;
  ios?: number;
  seed?: number;
  noise?: 'exp' | 'uniform' | 'none';
  model?: LinearModel;
  mix?: ZoneKind[];
}
export declare const DEFAULT_MODEL: LinearModel;
export declare const ZONE_MIX: ZoneKind[];
export declare function modelCost(model: LinearModel, op: 'R' | 'W', bytes: number, seq: boolean): number;
export declare function meanDemand(model?: LinearModel, mix?: ZoneKind[]): number;
export declare function arrivals(opts?: GenOptions): GenIo[];
export declare function runFifo(ios: GenIo[], k: number): GenIo[];
export declare function runPs(ios: GenIo[], k: number): GenIo[];
export declare function simulate(opts?: GenOptions): GenIo[];
export declare function trueDemand(ios: GenIo[]): Map<string, number>;
export declare function toCsv(ios: GenIo[], device?: string): string;
