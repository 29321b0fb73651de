/** The page's HTML shell: a token form, the job list and the job view; page.js fills them. */
export const indexHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jobledger</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/page.css">
</head>
<body>
<header><a href="#/" class="brand">jobledger</a>
<form id="token-form"><input id="token" type="password" placeholder="bearer token" autocomplete="off" aria-label="bearer token"><button>use token</button></form></header>
<main id="main"><p class="muted">Loading…</p></main>
<script src="/pictures.js"></script>
<script src="/page.js"></script>
</body>
</html>
`;
