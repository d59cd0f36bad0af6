import { describe, expect, it } from 'vitest';
import { newTally, runScript } from './promqltest-run.js';

/**
 * Subqueries against Prometheus' own answers: promql/promqltest/testdata/subquery.test of
 * Prometheus 3 (left-open windows, so --semantics prometheus-3 only). The Fibonacci series is
 * cut after its first 105 values and the one eval that reads beyond them (at 20m) left out.
 */
const SCRIPT = String.raw`
load 10s
  metric 1 2

eval instant at 10s sum_over_time(metric[50s:10s])
  {} 3

eval instant at 10s sum_over_time(metric[50s:5s])
  {} 4

eval instant at 5m sum_over_time(metric[50s:10s])
  {} 10

eval instant at 5m59s sum_over_time(metric[60s:10s])
  {} 2

eval instant at 10s rate(metric[20s:10s])
  {} 0.1

eval instant at 20s rate(metric[20s:5s])
  {} 0.06666666666666667

clear

load 10s
  http_requests{job="api-server", instance="1", group="production"} 0+20x1000 200+30x1000
  http_requests{job="api-server", instance="0", group="production"} 0+10x1000 100+30x1000
  http_requests{job="api-server", instance="0", group="canary"}  0+30x1000 300+80x1000
  http_requests{job="api-server", instance="1", group="canary"}  0+40x2000

eval instant at 8000s rate(http_requests{group=~"pro.*"}[1m:10s])
  {job="api-server", instance="0", group="production"} 1
  {job="api-server", instance="1", group="production"} 2

eval instant at 20000s avg_over_time(rate(http_requests[1m])[1m:1s])
  {job="api-server", instance="0", group="canary"}     8
  {job="api-server", instance="1", group="canary"}     4
  {job="api-server", instance="1", group="production"} 3
  {job="api-server", instance="0", group="production"} 3

clear

load 10s
  metric1 0+1x1000
  metric2 0+2x1000
  metric3 0+3x1000

eval instant at 1000s sum_over_time(metric1[30s:10s])
  {} 297

eval instant at 1000s sum_over_time(metric1[30s:5s])
  {} 591

eval instant at 1010s sum_over_time(metric1[30s:10s] offset 10s)
  {} 297

eval instant at 1010s sum_over_time(metric1[30s:10s] offset 9s)
  {} 297

eval instant at 1010s sum_over_time(metric1[30s:10s] offset 7s)
  {} 297

eval instant at 1010s sum_over_time(metric1[30s:10s] offset 5s)
  {} 297

eval instant at 1010s sum_over_time(metric1[30s:10s] offset 3s)
  {} 297

eval instant at 1010s sum_over_time((metric1)[30s:10s] offset 3s)
  {} 297

eval instant at 1000s rate(sum_over_time(metric1[30s:10s])[50s:10s])
  {} 0.30000000000000004

eval instant at 1000s rate(sum_over_time(metric2[30s:10s])[50s:10s])
  {} 0.6000000000000001

eval instant at 1000s rate(sum_over_time(metric3[30s:10s])[50s:10s])
  {} 0.9

eval instant at 1000s rate(sum_over_time((metric1+metric2+metric3)[30s:10s])[30s:10s])
  {} 1.8

clear

load 7s
  metric 1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 2584 4181 6765 10946 17711 28657 46368 75025 121393 196418 317811 514229 832040 1346269 2178309 3524578 5702887 9227465 14930352 24157817 39088169 63245986 102334155 165580141 267914296 433494437 701408733 1134903170 1836311903 2971215073 4807526976 7778742049 12586269025 20365011074 32951280099 53316291173 86267571272 139583862445 225851433717 365435296162 591286729879 956722026041 1548008755920 2504730781961 4052739537881 6557470319842 10610209857723 17167680177565 27777890035288 44945570212853 72723460248141 117669030460994 190392490709135 308061521170129 498454011879264 806515533049393 1304969544928657 2111485077978050 3416454622906707 5527939700884757 8944394323791464 14472334024676221 23416728348467685 37889062373143906 61305790721611591 99194853094755497 160500643816367088 259695496911122585 420196140727489673 679891637638612258 1100087778366101931 1779979416004714189 2880067194370816120 4660046610375530309 7540113804746346429 12200160415121876738 19740274219868223167 31940434634990099905 51680708854858323072 83621143489848422977 135301852344706746049 218922995834555169026 354224848179261915075 573147844013817084101 927372692193078999176 1500520536206896083277 2427893228399975082453 3928413764606871165730 6356306993006846248183

eval instant at 80s rate(metric[1m])
  {} 2.517857143

eval instant at 80s rate(metric[1m:10s])
  {} 2.4

eval instant at 20s min_over_time(metric[10s])
  {} 2

eval instant at 20s min_over_time(metric[10s:10s])
  {} 2
`;
describe('subqueries (Prometheus subquery.test)', () => {
  it('give Prometheus 3 answers: inner step alignment, offset, nesting, rate over a subquery', async () => {
    const tally = newTally();
    await runScript(SCRIPT, 'subquery.test', 'prometheus-3', undefined, tally);
    expect(tally.failed).toEqual([]);
    expect(tally.passed).toBe(24);
  });
});
