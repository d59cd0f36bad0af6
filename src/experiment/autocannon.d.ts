/** The part of autocannon's API (https://github.com/mcollina/autocannon#api) the experiment uses. */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    overallRate?: number;
    amount?: number;
    timeout?: number;
  }
  /** The result object (lib/run.js), kept whole as autocannon.json. */
  type Result = Record<string, unknown>;
  interface Instance {
    stop(): void;
  }
  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
