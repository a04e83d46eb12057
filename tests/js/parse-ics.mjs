// Parse an .ics file with Mozilla's ical.js (Thunderbird's parser) and print what it understood as JSON.
// Usage: node parse-ics.mjs <ical.js module path> <file.ics>
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modulePath, file] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(modulePath).href)).default;
const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    start: event.startDate.toString(),
    end: event.endDate.toString(),
    timezone: event.startDate.zone ? event.startDate.zone.tzid : null,
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    alarms: component.getAllSubcomponents("valarm").length,
    categories: component.getAllProperties("categories").flatMap((property) => property.getValues()),
  };
});
console.log(JSON.stringify({ timezones: calendar.getAllSubcomponents("vtimezone").length, events }));
