<?php
// The guide's PHP snippet (Signature Verification), unchanged. router.php runs it for
// POST /webhooks/georedir under `php -S`.
$payload = file_get_contents('php://input');
$signature = $_SERVER['HTTP_X_GEOREDIR_SIGNATURE'] ?? '';
$secret = getenv('GEOREDIR_WEBHOOK_SECRET');

$expected = hash_hmac('sha256', $payload, $secret);

if (!hash_equals($expected, $signature)) {
    http_response_code(401);
    echo json_encode(['error' => 'Invalid signature']);
    exit;
}

// Signature valid — process the event
$data = json_decode($payload, true);
// ...
