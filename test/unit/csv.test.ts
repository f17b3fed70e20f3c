import { csvField, csvLine } from '../../shared/domain/csv.js';

describe('CSV fields', () => {
  test('plain text, numbers and empty values stay as they are', () => {
    expect(csvLine(['Priya Raman', 2, true, undefined, null, ''])).toBe('Priya Raman,2,true,,,\r\n');
  });

  test('commas, quotes and line breaks are quoted, quotes doubled', () => {
    expect(csvField('Raman, Priya')).toBe('"Raman, Priya"');
    expect(csvField('The "boss"')).toBe('"The ""boss"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  test.each(['=HYPERLINK("http://evil.example","x")', '+1 206 555 0147', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'a field that a spreadsheet would run as a formula is made inert: %j',
    (value) => {
      const field = csvField(value);
      const unquoted = field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
      expect(unquoted).toBe(`'${value}`);
    },
  );

  test('a formula character later in the text is left alone', () => {
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('priya@corp.example.test')).toBe('priya@corp.example.test');
  });
});
