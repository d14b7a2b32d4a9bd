import { describe, expect, it } from 'vitest';
import { any } from '../filters/any.js';
import { header } from '../filters/header.js';
import { get, post } from '../filters/method.js';
import { path } from '../filters/path.js';
import { request } from '../test/index.js';
import {
  combine,
  InvalidBody,
  METHOD_NOT_ALLOWED,
  MethodNotAllowed,
  NOT_FOUND,
  NotFound,
  PayloadTooLarge,
  Rejection,
  reject,
} from './rejection.js';

const r = (reason: object) => new Rejection([reason]);

describe('rejection priority', () => {
  it('404 loses to everything', () => {
    expect(combine(NOT_FOUND, METHOD_NOT_ALLOWED).status).toBe(405);
    expect(combine(METHOD_NOT_ALLOWED, NOT_FOUND).status).toBe(405);
    expect(combine(NOT_FOUND, r(new InvalidBody('x'))).status).toBe(400);
  });

  it('405 loses to everything but 404', () => {
    expect(combine(METHOD_NOT_ALLOWED, r(new InvalidBody('x'))).status).toBe(400);
    expect(combine(r(new InvalidBody('x')), METHOD_NOT_ALLOWED).status).toBe(400);
  });

  it('otherwise the higher status wins, and find() sees every reason', () => {
    const c = combine(r(new InvalidBody('x')), r(new PayloadTooLarge(1)));
    expect(c.status).toBe(413);
    expect(c.find(InvalidBody)).toBeInstanceOf(InvalidBody);
    expect(c.find(PayloadTooLarge)).toBeInstanceOf(PayloadTooLarge);
  });

  it('an unrecovered custom rejection is a 500', async () => {
    class Teapot {}
    expect(reject.custom(new Teapot()).status).toBe(500);
    const res = await request().reply(any().andThen(() => reject.custom(new Teapot())));
    expect(res.status).toBe(500);
  });

  it('reject() is a plain not-found', () => {
    expect(reject().find(NotFound)).toBeInstanceOf(NotFound);
    expect(reject.notFound().isNotFound()).toBe(true);
  });

  it('or() shows a 400 from one branch over a 405 and a 404 from others', async () => {
    const routes = get()
      .and(path('a'))
      .map(() => 'a')
      .or(
        post()
          .and(path('a'))
          .and(header('x-need'))
          .map(() => 'b'),
      )
      .or(path('c').map(() => 'c'));
    const res = await request().method('POST').path('/a').reply(routes);
    expect(res.status).toBe(400);
    expect((await request().method('PUT').path('/a').reply(routes)).status).toBe(405);
    const rej = (await request()
      .method('PUT')
      .path('/a')
      .filter(routes)
      .catch((e: unknown) => e)) as Rejection;
    expect(rej.find(MethodNotAllowed)).toBeInstanceOf(MethodNotAllowed);
  });

  it('unrecovered rejections are RFC 9457 problem+json', async () => {
    const res = await request()
      .path('/missing')
      .reply(path('here').map(() => 'x'));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches this path',
    });
  });

  it('recover() turns a chosen rejection into a reply and passes the rest on', async () => {
    const routes = path('x')
      .map(() => 'x')
      .recover((rej) => (rej.find(NotFound) ? 'custom 404' : rej));
    const res = await request().path('/nope').reply(routes);
    expect(res.status).toBe(200);
    expect(res.text()).toBe('custom 404');
  });
});
