// `npm start`'s flags and the variables it passes on to the functions.
import { functionOverridesFrom, parseStartArgs } from '../../../local/start-args';

describe('npm start arguments and function overrides', () => {
  it('parses --persist (both forms), --no-synth and --verbose, and refuses the unknown', () => {
    expect(parseStartArgs(['--persist', '.data'])).toMatchObject({ persistDir: '.data', skipSynth: false });
    expect(parseStartArgs(['--persist=/tmp/x', '--no-synth', '--verbose'])).toMatchObject({ persistDir: '/tmp/x', skipSynth: true, verbose: true });
    expect(() => parseStartArgs(['--persist'])).toThrow('--persist needs a directory');
    expect(() => parseStartArgs(['--fast'])).toThrow('unknown argument --fast');
  });

  it('allows private endpoints by default and passes the retry schedule and timeout through', () => {
    expect(functionOverridesFrom({})).toEqual({ ALLOW_PRIVATE_ENDPOINTS: 'true' });
    expect(functionOverridesFrom({ ALLOW_PRIVATE_ENDPOINTS: 'false', RETRY_SCHEDULE_SECONDS: '1,2', DELIVERY_TIMEOUT_MS: '500' })).toEqual({
      ALLOW_PRIVATE_ENDPOINTS: 'false',
      RETRY_SCHEDULE_SECONDS: '1,2',
      DELIVERY_TIMEOUT_MS: '500',
    });
  });
});
