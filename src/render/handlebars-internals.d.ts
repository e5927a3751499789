/** The part of Handlebars' prototype-access checks the template runtime reuses (handlebars 4.7). */
declare module 'handlebars/dist/cjs/handlebars/internal/proto-access' {
  export interface ProtoAccessControl {
    properties: { whitelist: Record<string, boolean>; defaultValue: boolean | undefined };
    methods: { whitelist: Record<string, boolean>; defaultValue: boolean | undefined };
  }
  export function createProtoAccessControl(options: {
    allowProtoPropertiesByDefault?: boolean;
    allowProtoMethodsByDefault?: boolean;
  }): ProtoAccessControl;
  export function resultIsAllowed(result: unknown, control: ProtoAccessControl, propertyName: string): boolean;
  export function isPrototypeConstructor(parent: unknown, propertyName: string, result: unknown): boolean;
}
