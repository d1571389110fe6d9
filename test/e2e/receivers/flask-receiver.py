# The guide's Flask receiver, run as a customer would: its two snippets (the basic endpoint and
# "In your Flask handler" of Signature Verification) joined, the basic handler's body standing in
# for the second snippet's "# ...". The guide's lines are unchanged. Wrapping, marked "harness":
# the imports the snippets assume (os), the port from PORT, and an after_request hook that
# appends each answered request to RECEIVER_LOG. Run with Debian's /usr/bin/python3 (python3-flask).
import json  # harness
import os  # the guide's snippet reads os.environ without showing the import

from flask import Flask, request, jsonify

app = Flask(__name__)

import hmac
import hashlib

def verify_signature(payload: bytes, signature: str, secret: str) -> bool:
    expected = hmac.new(
        secret.encode('utf-8'),
        payload,
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(signature, expected)

# In your Flask handler:
@app.route('/webhooks/georedir', methods=['POST'])
def handle_webhook():
    signature = request.headers.get('X-GeoRedir-Signature', '')
    raw_body = request.get_data()
    secret = os.environ['GEOREDIR_WEBHOOK_SECRET']

    if not verify_signature(raw_body, signature, secret):
        return jsonify({'error': 'Invalid signature'}), 401

    # Signature valid — process the event
    payload = request.json
    event = payload.get('event')
    data = payload.get('data')

    print(f"Received event: {event}")

    if event == 'click':
        # Handle click
        pass
    elif event == 'conversion':
        # Handle conversion
        pass

    return jsonify({'received': True}), 200


@app.after_request
def record(response):  # harness: one JSON line per answered request
    with open(os.environ['RECEIVER_LOG'], 'a', encoding='utf-8') as log:
        log.write(json.dumps({
            'receiver': 'flask',
            'status': response.status_code,
            'delivery': request.headers.get('X-GeoRedir-Delivery'),
            'attempt': request.headers.get('X-GeoRedir-Attempt'),
            'signature': request.headers.get('X-GeoRedir-Signature'),
            # The raw bytes the handler verified, as text.
            'body': request.get_data().decode('utf-8'),
        }) + '\n')
    return response


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(os.environ['PORT']))  # harness: was app.run(port=3001)
