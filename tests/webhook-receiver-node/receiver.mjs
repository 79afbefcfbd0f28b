// A webhook receiver for the tests (tests/test_webhooks_http.py): listens on a free loopback
// port (printed first, as {"port": N}), verifies every delivery with npm's standardwebhooks
// under WEBHOOK_SECRET and prints one JSON line per delivery: whether it verified, its type,
// its actor and how many signatures it carried. Answers 204 when it verified, 400 when not.
import http from "node:http";
import { Webhook } from "standardwebhooks";

const verifier = new Webhook(process.env.WEBHOOK_SECRET);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const line = { signatures: (req.headers["webhook-signature"] || "").split(" ").length };
    try {
      const payload = verifier.verify(body, req.headers);
      Object.assign(line, { verified: true, type: payload.type, actor: payload.data.actorId });
      res.writeHead(204).end();
    } catch (e) {
      Object.assign(line, { verified: false, error: String(e) });
      res.writeHead(400).end();
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
