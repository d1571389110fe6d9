import type { z } from 'zod';
import { EVENT_CATALOGUE, EVENT_TYPES } from '../../domain/event-catalogue';
import { defineRoute, type Route } from '../router';
import { EventTypeList } from '../schemas';

/** `GET /v1/event-types`: the catalogue customers subscribe to, with a sample `data` of each. */
export function listEventTypes(): z.input<typeof EventTypeList> {
  return {
    data: EVENT_TYPES.map((name) => ({
      name,
      description: EVENT_CATALOGUE[name].description,
      example: EVENT_CATALOGUE[name].example,
      fields: [...EVENT_CATALOGUE[name].fields],
      personalData: [...EVENT_CATALOGUE[name].personalData],
    })),
  };
}

export function eventTypeRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/event-types',
      operationId: 'listEventTypes',
      summary: 'List the event types an endpoint can subscribe to',
      description: 'Public: the catalogue is the same for everyone and published in the webhooks guide.',
      tag: 'Event types',
      access: 'public',
      errors: [],
      success: { status: 200, description: 'The event catalogue', schema: EventTypeList },
      handle: async () => listEventTypes(),
    }),
  ];
}
