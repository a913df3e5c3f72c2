import { describe, expect, it } from 'vitest';
import { destinationAccepts, matchesProductPattern, type RouteSpec, routeLabelFor } from '../../src/notify/routing.js';
import { blind, interruption } from '../helpers/alert-fixtures.js';

describe('routing', () => {
  it('matches codes and globs case-insensitively, anchored', () => {
    expect(matchesProductPattern('TNB', 'TNB')).toBe(true);
    expect(matchesProductPattern('tnb', 'TNB')).toBe(true);
    expect(matchesProductPattern('ASTRO*', 'ASTRO_NJOI')).toBe(true);
    expect(matchesProductPattern('ASTRO*', 'XASTRO')).toBe(false);
    expect(matchesProductPattern('?NB', 'TNB')).toBe(true);
    expect(matchesProductPattern('?NB', 'TTNB')).toBe(false);
    expect(matchesProductPattern('*', 'ANYTHING')).toBe(true);
    expect(matchesProductPattern('A-B', 'A-B')).toBe(true);
  });

  const routes: RouteSpec[] = [
    { products: ['TNB'], channels: new Set(['slack']) },
    { products: ['T*', 'UNIFI'], channels: new Set(['slack', 'email']) },
  ];

  it('takes the first route that matches and defines the channel, else the default', () => {
    expect(routeLabelFor(routes, 'slack', 'TNB', true)).toBe('routes[0]');
    // routes[0] has no email, so TNB's email goes to the next matching route.
    expect(routeLabelFor(routes, 'email', 'TNB', true)).toBe('routes[1]');
    expect(routeLabelFor(routes, 'slack', 'TM', true)).toBe('routes[1]');
    expect(routeLabelFor(routes, 'slack', 'ASTRO', true)).toBe('default');
    expect(routeLabelFor(routes, 'slack', 'ASTRO', false)).toBeNull();
  });

  it('sends each product event to exactly one destination per channel, and operator alerts to the default only', () => {
    const labels = ['default', 'routes[0]', 'routes[1]'];
    for (const code of ['TNB', 'TM', 'UNIFI', 'ASTRO']) {
      const taking = labels.filter((label) => destinationAccepts(routes, 'slack', label, true, interruption(code)));
      expect(taking).toHaveLength(1);
    }
    expect(labels.filter((label) => destinationAccepts(routes, 'slack', label, true, blind()))).toEqual(['default']);
  });
});
