import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { Secret } from '../../src/config/secret.js';
import { SETTINGS, type SettingKey } from '../../src/config/settings.js';
import { connectionSettings } from '../../src/kafka/connection.js';
import { kafkaSecurity, nodeTlsOptions } from '../../src/kafka/security.js';
import { testDir } from '../helpers/tmp.js';

const SECRET = 'pa55-w0rd-known';

function security(env: Record<string, string>, flags: Record<string, string> = {}): ReturnType<typeof kafkaSecurity> {
  return kafkaSecurity(loadConfig({ env, flags }).kafka);
}

describe('Kafka security settings', () => {
  it('plaintext by default: no TLS, no SASL', () => {
    assert.deepEqual(security({}), { protocol: 'plaintext' });
  });

  it('SASL credentials from the environment or a file; the password is a Secret that prints as [hidden]', (t) => {
    const fromEnv = security({ LABELJOIN_KAFKA_SASL_PASSWORD: SECRET }, { 'security-protocol': 'sasl_plaintext', 'sasl-mechanism': 'SCRAM-SHA-512', 'sasl-username': 'u' });
    assert.equal(fromEnv.sasl?.password?.reveal(), SECRET);
    const file = join(testDir(t, 'sasl-password'), 'pw');
    writeFileSync(file, `${SECRET}\nignored\n`);
    const fromFile = security({}, { 'security-protocol': 'sasl_plaintext', 'sasl-mechanism': 'PLAIN', 'sasl-username': 'u', 'sasl-password-file': file });
    assert.equal(fromFile.sasl?.password?.reveal(), SECRET);
    const config = loadConfig({ env: { LABELJOIN_KAFKA_SASL_PASSWORD: SECRET } });
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.kafka.saslPassword), JSON.stringify(fromEnv), inspect(fromEnv, { depth: 10 })]) {
      assert.ok(!shown.includes(SECRET), shown);
    }
  });

  it('the library options carry the password behind a function, never as a string', () => {
    const settings = connectionSettings(loadConfig({ env: { LABELJOIN_KAFKA_SASL_PASSWORD: SECRET }, flags: { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'SCRAM-SHA-256', 'sasl-username': 'u' } }));
    assert.ok(!JSON.stringify(settings).includes(SECRET));
    assert.ok(!inspect(settings, { depth: 10 }).includes(SECRET));
  });

  it('no secret setting has a flag, and --help shows no value of one', () => {
    const secrets = (Object.keys(SETTINGS) as SettingKey[]).filter((k) => {
      try {
        return SETTINGS[k].parse('x') instanceof Secret;
      } catch {
        return false;
      }
    });
    assert.deepEqual(secrets.sort(), ['kafka.saslPassword', 'kafka.tlsKeyPassword', 'registry.password', 'train.redisPassword']);
    for (const key of secrets) assert.equal(SETTINGS[key].flag, undefined, key);
  });

  it('a config file that is not valid JSON is refused without quoting it (it may hold the password)', (t) => {
    const file = join(testDir(t, 'bad-config'), 'config.json');
    writeFileSync(file, `{"kafka": {"saslPassword": ${SECRET}}}`);
    assert.throws(() => loadConfig({ file }), (e: unknown) => e instanceof ConfigError && /is not valid JSON/.test(e.message) && !JSON.stringify(e.toJSON()).includes('pa55'));
  });

  it('settings that do not fit together are refused, naming the flags', () => {
    const cases: Array<[Record<string, string>, Record<string, string>, RegExp]> = [
      [{}, { 'tls-ca-file': '/x' }, /--tls-ca-file given, but the security protocol is plaintext/],
      [{ LABELJOIN_KAFKA_SASL_PASSWORD: SECRET }, { 'security-protocol': 'ssl' }, /LABELJOIN_KAFKA_SASL_PASSWORD given, but the security protocol is ssl/],
      [{}, { 'security-protocol': 'sasl_ssl' }, /needs a SASL mechanism/],
      [{}, { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'PLAIN' }, /needs a user name/],
      [{}, { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'PLAIN', 'sasl-username': 'u' }, /needs a password/],
      [{}, { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'OAUTHBEARER' }, /exactly one of --sasl-token-file/],
      [{}, { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'OAUTHBEARER', 'sasl-token-file': '/nonexistent/token' }, /cannot read the OAUTHBEARER token file \(--sasl-token-file\) \/nonexistent\/token: ENOENT/],
      [{}, { 'security-protocol': 'ssl', 'tls-cert-file': '/x' }, /needs both --tls-cert-file and --tls-key-file/],
      [{}, { 'security-protocol': 'ssl', 'tls-ca-file': '/nonexistent/ca.pem' }, /cannot read the CA file \(--tls-ca-file\) \/nonexistent\/ca.pem: ENOENT/],
    ];
    for (const [env, flags, message] of cases) {
      assert.throws(() => security(env, flags), (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes(SECRET), `${JSON.stringify(flags)}`);
    }
  });

  it('a token command runs at each authentication; a failing one says its exit code, not its output', async () => {
    const ok = security({}, { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'OAUTHBEARER', 'sasl-token-command': 'echo tok-1; echo tok-2' });
    assert.equal(await ok.sasl?.token?.(), 'tok-1');
    const failing = security({}, { 'security-protocol': 'sasl_ssl', 'sasl-mechanism': 'OAUTHBEARER', 'sasl-token-command': `echo ${SECRET}; exit 3` });
    await assert.rejects(failing.sasl!.token!(), (e: unknown) => e instanceof ConfigError && /failed \(exit code 3\)/.test(e.message) && !e.message.includes(SECRET));
  });

  it('server-name verification is on unless turned off; a server name overrides the host checked', () => {
    const tls = { verifyHostname: true };
    assert.equal(nodeTlsOptions(tls).checkServerIdentity, undefined);
    assert.equal(nodeTlsOptions(tls).rejectUnauthorized, true);
    const off = nodeTlsOptions({ verifyHostname: false });
    assert.equal(off.checkServerIdentity?.('h', {} as never), undefined);
    assert.equal(off.rejectUnauthorized, true, 'the CA chain is still checked');
    assert.equal(nodeTlsOptions({ verifyHostname: true, serverName: 'kafka.example' }).servername, 'kafka.example');
  });
});
