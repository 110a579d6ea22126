import { describe, expect, it } from 'vitest';
import { Cancelled, FairQueue } from '../../server/engine/fair-queue.js';
import { addressKey } from '../../server/live/client-key.js';

/** Work that the test finishes by hand, recording when it started. */
function gate(started: string[], name: string) {
  let finish!: (value: string) => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    work: () => {
      started.push(name);
      return done;
    },
    finish: () => finish(name),
    fail: (err: unknown) => fail(err),
  };
}

/** Lets settled promises run their callbacks (the queue starts the next job from them). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FairQueue', () => {
  it('runs at most `concurrency` jobs at a time, the first at once', async () => {
    const started: string[] = [];
    const queue = new FairQueue(2);
    const gates = ['a', 'b', 'c'].map((n) => gate(started, n));
    const jobs = gates.map((g) => queue.add('x', g.work));
    expect(started).toEqual(['a', 'b']);
    expect([queue.running, queue.queued]).toEqual([2, 1]);
    expect(jobs.map((j) => j.state)).toEqual(['running', 'running', 'queued']);
    gates[1]!.finish();
    expect(await jobs[1]!.done).toBe('b');
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    gates[0]!.finish();
    gates[2]!.finish();
    expect(await Promise.all(jobs.map((j) => j.done))).toEqual(['a', 'b', 'c']);
    await settle();
    expect([queue.running, queue.queued]).toEqual([0, 0]);
  });

  it("serves lanes round-robin: one lane's thousand jobs delay another's single one by one job", async () => {
    const started: string[] = [];
    const queue = new FairQueue(1);
    const busy = gate(started, 'busy');
    queue.add('greedy', busy.work);
    const greedy = Array.from({ length: 1000 }, (_, i) => gate(started, `g${i}`));
    for (const g of greedy) queue.add('greedy', g.work);
    const modest = gate(started, 'modest');
    queue.add('modest', modest.work);
    const late = gate(started, 'late');
    queue.add('late', late.work);
    expect(queue.queuedIn('greedy')).toBe(1000);

    busy.finish();
    await settle();
    greedy[0]!.finish();
    await settle();
    modest.finish();
    await settle();
    late.finish();
    await settle();
    expect(started).toEqual(['busy', 'g0', 'modest', 'late', 'g1']);
  });

  it('keeps arrival order within a lane, and a lane that empties rejoins at the back', async () => {
    const started: string[] = [];
    const queue = new FairQueue(1);
    const first = gate(started, 'first');
    queue.add('a', first.work);
    const a1 = gate(started, 'a1');
    const a2 = gate(started, 'a2');
    const b1 = gate(started, 'b1');
    queue.add('a', a1.work);
    queue.add('b', b1.work);
    queue.add('a', a2.work);
    for (const g of [first, a1, b1, a2]) {
      g.finish();
      await settle();
    }
    expect(started).toEqual(['first', 'a1', 'b1', 'a2']);
  });

  it('runs a job wanted by several lanes once, at the first of their turns', async () => {
    const started: string[] = [];
    const queue = new FairQueue(1);
    const busy = gate(started, 'busy');
    queue.add('a', busy.work);
    const a = Array.from({ length: 5 }, (_, i) => gate(started, `a${i}`));
    for (const g of a) queue.add('a', g.work);
    const shared = gate(started, 'shared');
    const job = queue.add('a', shared.work);
    // Lane b wants the job queued at the back of lane a: it runs at b's turn, right after busy.
    job.join('b');
    expect(queue.queued).toBe(6);
    busy.finish();
    await settle();
    expect(started).toEqual(['busy', 'a0']);
    a[0]!.finish();
    await settle();
    expect(started).toEqual(['busy', 'a0', 'shared']);
    expect(queue.queuedIn('a')).toBe(4);
    expect(queue.queuedIn('b')).toBe(0);
    shared.finish();
    expect(await job.done).toBe('shared');
  });

  it('drops a queued job once every waiter left, and never runs it', async () => {
    const started: string[] = [];
    const queue = new FairQueue(1);
    const busy = gate(started, 'busy');
    queue.add('a', busy.work);
    const dropped = gate(started, 'dropped');
    const job = queue.add('a', dropped.work);
    job.join('a');
    job.join('b');
    job.leave('a');
    expect(job.state).toBe('queued');
    job.leave('b');
    expect(job.state).toBe('queued');
    expect(queue.queuedIn('b')).toBe(0);
    job.leave('a');
    expect(job.state).toBe('cancelled');
    await expect(job.done).rejects.toBeInstanceOf(Cancelled);
    expect([queue.queued, queue.queuedIn('a')]).toEqual([0, 0]);
    // Leaving or joining again changes nothing.
    job.leave('a');
    job.join('a');
    expect(queue.queued).toBe(0);
    busy.finish();
    await settle();
    expect(started).toEqual(['busy']);
    expect(queue.running).toBe(0);
  });

  it('lets a started job run on when its waiters leave', async () => {
    const started: string[] = [];
    const queue = new FairQueue(1);
    const running = gate(started, 'running');
    const job = queue.add('a', running.work);
    job.leave('a');
    expect(job.state).toBe('running');
    running.finish();
    expect(await job.done).toBe('running');
    expect(job.state).toBe('settled');
  });

  it('passes a failure to the waiters and frees the place, also for work that throws at once', async () => {
    const started: string[] = [];
    const queue = new FairQueue(1);
    const failing = gate(started, 'failing');
    const job = queue.add('a', failing.work);
    const throwing = queue.add('a', () => {
      throw new Error('at once');
    });
    const after = gate(started, 'after');
    const next = queue.add('a', after.work);
    failing.fail(new Error('boom'));
    await expect(job.done).rejects.toThrow('boom');
    await expect(throwing.done).rejects.toThrow('at once');
    await settle();
    expect(started).toEqual(['failing', 'after']);
    after.finish();
    expect(await next.done).toBe('after');
  });

  it('refuses a concurrency below one', () => {
    expect(() => new FairQueue(0)).toThrow(RangeError);
  });
});

describe('addressKey (who a client is, for its fair share)', () => {
  it('keeps IPv4 addresses, unwraps IPv4-mapped ones, and groups IPv6 by /64', () => {
    expect(addressKey('127.0.0.2')).toBe('127.0.0.2');
    expect(addressKey('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('2001:db8:0:42::1')).toBe('2001:db8:0:42::/64');
    expect(addressKey('2001:0db8:0000:0042:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:42::/64');
    expect(addressKey('2001:db8::42:1:2:3')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});
