import { describe, expect, it } from 'vitest';
import { hrefWith, pageCount, pageHref, sortHref } from '@/components/data-table/url-state';

describe('data table URL state', () => {
  it('keeps filters when the sort changes and goes back to the first page', () => {
    expect(sortHref('/records', 'kind=deviation&page=3&sort=updated&dir=desc', 'title', 'asc')).toBe('/records?kind=deviation&sort=title&dir=asc');
  });

  it('drops the page parameter for page 1 and sets it otherwise', () => {
    expect(pageHref('/records', 'q=br&page=2', 1)).toBe('/records?q=br');
    expect(pageHref('/records', 'q=br', 4)).toBe('/records?q=br&page=4');
  });

  it('removes parameters set to null or empty and leaves a bare path when none remain', () => {
    expect(hrefWith('/records', 'q=x', { q: '' })).toBe('/records');
    expect(hrefWith('/records', new URLSearchParams('a=1'), { a: null, b: 2 })).toBe('/records?b=2');
  });

  it('counts at least one page, also when there are no rows', () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(25, 25)).toBe(1);
    expect(pageCount(26, 25)).toBe(2);
  });
});
