import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDownsampleQuality } from '../../src/bench/downsample-quality.js';
import { workloadOptions } from '../../src/cli/workload-options.js';
import { loadConfig } from '../../src/config/config.js';
import { systemClock } from '../../src/time/clock.js';

describe('downsampling quality measurement', () => {
  it('trains on every sample and on the kept ones, scores the same held-out samples', () => {
    const config = loadConfig({ flags: { views: '4000', start: '2026-01-01T00:00:00Z' } });
    const r = runDownsampleQuality({ workload: workloadOptions(config, 2, systemClock), share: 0.5, holdout: 0.2, model: { k: 4, learningRate: 0.1, l2: 2e-5, seed: 1 } });
    assert.equal(r.samples, 4_000);
    assert.equal(r.heldOut, 800);
    assert.equal(r.trained.full, 3_200);
    assert.ok(r.trained.downsampled < r.trained.full && r.trained.downsampled > r.trained.full / 2);
    assert.ok(r.keptNegativeShare > 0.4 && r.keptNegativeShare < 0.6, `kept share ${r.keptNegativeShare}`);
    assert.deepEqual(Object.keys(r.signals), config.join.labelTypes);
    for (const s of Object.values(r.signals)) {
      assert.ok(s.full.auc > 0.5 && s.downsampled.auc > 0.5);
      assert.ok(s.downsampled.meanScore > 0 && s.downsampled.meanScore < 1 && s.observedRate > 0);
    }
  });
});
