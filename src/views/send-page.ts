// Sends a rendered page: the one way routes answer with HTML.
import type { FastifyReply } from "fastify";
import type { JSX } from "preact";
import { renderPage } from "./html.js";

export function sendPage(reply: FastifyReply, page: JSX.Element, status = 200) {
  return reply.status(status).type("text/html; charset=utf-8").send(renderPage(page));
}
