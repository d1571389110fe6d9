// Sent as `User-Agent: GeoRedir-Webhooks/<version>` so receivers can tell our requests apart.
// A named import: esbuild then bundles this one field, not the whole package.json.
import { version } from '../../package.json';

export const SERVICE_VERSION: string = version;
export const USER_AGENT = `GeoRedir-Webhooks/${SERVICE_VERSION}`;
