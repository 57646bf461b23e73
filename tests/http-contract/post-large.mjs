// Posts a body of the given size with Node's fetch (undici) and prints the status it reports,
// or "error: <message>" when the connection failed instead.
const [url, size] = [process.argv[2], Number(process.argv[3])];
const body = JSON.stringify({ query: '{ __typename } #' + 'x'.repeat(size) });
try {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  console.log(String(res.status));
} catch (e) {
  console.log('error: ' + (e.cause?.code ?? e.message));
}
