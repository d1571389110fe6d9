// Sent as `User-Agent: GeoRedir-Webhooks/<version>` so receivers can tell our requests apart.
import packageJson from '../../package.json';

export const SERVICE_VERSION: string = packageJson.version;
export const USER_AGENT = `GeoRedir-Webhooks/${SERVICE_VERSION}`;
