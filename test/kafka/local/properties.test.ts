import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderServerProperties } from '../../../src/kafka/local/properties.js';
import { securityFiles } from '../../../src/kafka/local/security-material.js';

describe('renderServerProperties', () => {
  it('binds both listeners to 127.0.0.1 and runs broker and controller in one node', () => {
    const text = renderServerProperties({ port: 19092, controllerPort: 19093, logDir: '/data/kraft' });
    assert.match(text, /^process\.roles=broker,controller$/m);
    assert.match(text, /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092,CONTROLLER:\/\/127\.0\.0\.1:19093$/m);
    assert.match(text, /^advertised\.listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092$/m);
    assert.match(text, /^transaction\.state\.log\.replication\.factor=1$/m);
    assert.match(text, /^log\.dirs=\/data\/kraft$/m);
  });

  const secured = (mode: 'ssl' | 'sasl_ssl'): string => renderServerProperties({
    port: 19092, controllerPort: 19093, logDir: '/data/kraft',
    security: { mode, files: securityFiles('/data'), secrets: { storePassword: 'store-pw', brokerPassword: 'broker-pw' }, clientPassword: 'client-pw' },
  });

  it('sasl_ssl: one SASL_SSL listener with the SCRAM, PLAIN and OAUTHBEARER mechanisms, the broker talking to itself with SCRAM-SHA-512; the controller stays on loopback', () => {
    const text = secured('sasl_ssl');
    assert.match(text, /^listeners=SASL_SSL:\/\/127\.0\.0\.1:19092,CONTROLLER:\/\/127\.0\.0\.1:19093$/m);
    assert.match(text, /^listener\.security\.protocol\.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL$/m);
    assert.match(text, /^inter\.broker\.listener\.name=SASL_SSL$/m);
    assert.match(text, /^sasl\.enabled\.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER$/m);
    assert.match(text, /^sasl\.mechanism\.inter\.broker\.protocol=SCRAM-SHA-512$/m);
    assert.match(text, /^ssl\.keystore\.location=\/data\/security\/broker\.p12$/m);
    assert.match(text, /^ssl\.client\.auth=none$/m);
    assert.match(text, /user_labeljoin="client-pw"/);
    assert.doesNotMatch(text, /PLAINTEXT:\/\//);
  });

  it('ssl: one SSL listener that requires client certificates', () => {
    const text = secured('ssl');
    assert.match(text, /^listeners=SSL:\/\/127\.0\.0\.1:19092,CONTROLLER:\/\/127\.0\.0\.1:19093$/m);
    assert.match(text, /^ssl\.client\.auth=required$/m);
    assert.doesNotMatch(text, /sasl/);
  });
});
