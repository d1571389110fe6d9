// DynamoDB requests go unchanged to DynamoDB Local (the real emulator): method, path, headers
// and body are streamed through, and so is the answer.
import http from 'node:http';

export function proxyToDynamoDb(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  upstreamEndpoint: string,
  onDone: (status: number) => void,
): void {
  const upstreamUrl = new URL(upstreamEndpoint);
  const upstream = http.request(
    {
      protocol: upstreamUrl.protocol,
      hostname: upstreamUrl.hostname,
      port: upstreamUrl.port,
      method: request.method,
      path: request.url,
      // Raw pairs keep names, case and order exactly as the SDK signed them.
      headers: request.rawHeaders,
    },
    (upstreamResponse) => {
      const status = upstreamResponse.statusCode ?? 502;
      response.writeHead(status, upstreamResponse.statusMessage, upstreamResponse.rawHeaders);
      upstreamResponse.pipe(response);
      upstreamResponse.on('end', () => onDone(status));
    },
  );
  upstream.on('error', (error) => {
    if (!response.headersSent) {
      // 503 makes the SDK retry, which covers DynamoDB Local still starting up.
      response.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable',
        message: `local AWS endpoint could not reach DynamoDB Local at ${upstreamEndpoint}: ${error.message}`,
      }));
    } else {
      response.destroy(error);
    }
    onDone(503);
  });
  request.pipe(upstream);
}
