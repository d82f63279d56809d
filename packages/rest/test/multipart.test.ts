import { expect } from 'chai';
import { MultipartError, multipartBoundary, parseMultipart } from '../src/index.js';
import { multipartBody } from './http-client.js';

describe('multipart/form-data parser', () => {
  it('reads field names, file names, content types and exact bytes', () => {
    const binary = Buffer.from([0, 13, 10, 45, 45, 13, 10, 255]);
    const { body, contentType } = multipartBody([
      { field: 'note', content: 'hello' },
      { field: 'jarfile', filename: 'job.js', contentType: 'application/x-java-archive', content: binary },
    ]);
    const parts = parseMultipart(body, multipartBoundary(contentType)!);
    expect(parts).to.have.length(2);
    expect(parts[0]).to.deep.include({ name: 'note' });
    expect(parts[0]!.data.toString()).to.equal('hello');
    expect(parts[0]!.filename).to.equal(undefined);
    expect(parts[1]).to.deep.include({ name: 'jarfile', filename: 'job.js', contentType: 'application/x-java-archive' });
    expect(parts[1]!.data.equals(binary)).to.equal(true);
  });

  it('keeps content that contains the boundary text without a line break before it', () => {
    const content = 'a--b--b\r\n-b';
    const { body } = multipartBody([{ field: 'f', filename: 'x.js', content }], 'b');
    expect(parseMultipart(body, 'b')[0]!.data.toString()).to.equal(content);
  });

  it('accepts quoted boundaries, a preamble, transport padding and RFC 5987 file names', () => {
    const body = Buffer.from(
      'preamble text\r\n--abc  \r\nContent-Disposition: form-data; name="jarfile"; filename*=UTF-8\'\'na%C3%AFve.js\r\n\r\nx\r\n--abc--\r\nepilogue',
    );
    const boundary = multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="abc"')!;
    expect(boundary).to.equal('abc');
    const [part] = parseMultipart(body, boundary);
    expect(part).to.deep.include({ name: 'jarfile', filename: 'naïve.js' });
    expect(part!.data.toString()).to.equal('x');
  });

  it('parses an empty form', () => {
    expect(parseMultipart(Buffer.from('--b--\r\n'), 'b')).to.deep.equal([]);
  });

  it('is not a multipart body for other content types', () => {
    expect(multipartBoundary('application/json')).to.equal(undefined);
    expect(multipartBoundary(undefined)).to.equal(undefined);
  });

  it('rejects malformed bodies with MultipartError', () => {
    const bad: Array<[string, string]> = [
      ['b', ''],
      ['b', '--b'],
      ['b', '--bX\r\n'],
      ['b', '--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nno end'],
      ['b', '--b\r\nContent-Disposition: attachment; name="f"\r\n\r\nx\r\n--b--'],
      ['b', '--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--'],
      ['b', '--b\r\nbroken header line\r\n\r\nx\r\n--b--'],
    ];
    for (const [boundary, body] of bad) {
      expect(() => parseMultipart(Buffer.from(body), boundary), JSON.stringify(body)).to.throw(MultipartError);
    }
    expect(() => multipartBoundary('multipart/form-data')).to.throw(MultipartError);
    expect(() => multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)).to.throw(MultipartError);
  });

  it('limits the number of parts', () => {
    const { body } = multipartBody(
      Array.from({ length: 65 }, (_, i) => ({ field: `f${i}`, content: 'x' })),
      'b',
    );
    expect(() => parseMultipart(body, 'b')).to.throw(MultipartError, /more than 64 parts/);
  });
});
