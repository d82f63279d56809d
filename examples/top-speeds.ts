/**
 * Generated car telemetry: the rolling top speed per car, from a rate-limited data generator.
 *
 *   npx spindle run examples/top-speeds.ts --cars 4 --events 2000 --rate 1000
 */
import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

interface CarEvent {
  carId: number;
  speed: number;
  distance: number;
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const cars = params.getInt('cars', 4);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();

  env
    .fromDataGenerator<CarEvent>((i) => ({ carId: i % cars, speed: 50 + ((i * 37) % 70), distance: i * 10 }), {
      count: params.getInt('events', 2000),
      recordsPerSecond: params.getInt('rate', 1000),
    })
    .name('Car Telemetry')
    .keyBy((e) => e.carId)
    .maxBy('speed')
    .name('Top Speed')
    .filter((e) => e.speed >= 115)
    .map((e) => `car ${e.carId} reached ${e.speed} km/h at ${e.distance} m`)
    .print();

  await env.execute('Top Speeds');
}
