<?php
// Harness for `php -S 127.0.0.1:PORT router.php`: serves the guide's snippet at
// POST /webhooks/georedir and appends each answered request to RECEIVER_LOG as one JSON line.
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) !== '/webhooks/georedir') {
    http_response_code(404);
    return true;
}

register_shutdown_function(function () {
    $line = json_encode([
        'receiver' => 'php',
        'status' => http_response_code(),
        'delivery' => $_SERVER['HTTP_X_GEOREDIR_DELIVERY'] ?? null,
        'attempt' => $_SERVER['HTTP_X_GEOREDIR_ATTEMPT'] ?? null,
        'signature' => $_SERVER['HTTP_X_GEOREDIR_SIGNATURE'] ?? null,
        // The raw bytes the snippet verified.
        'body' => file_get_contents('php://input'),
    ], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    file_put_contents(getenv('RECEIVER_LOG'), $line . "\n", FILE_APPEND | LOCK_EX);
});

require __DIR__ . '/georedir-webhook.php';
