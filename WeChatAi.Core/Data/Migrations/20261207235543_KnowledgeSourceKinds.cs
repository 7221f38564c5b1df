using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KnowledgeSourceKinds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "knowledge_sources",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "File",
                table: "knowledge_sources",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FileName",
                table: "knowledge_sources",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TextHash",
                table: "knowledge_sources",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "TitleFromDocument",
                table: "knowledge_sources",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_knowledge_sources_AppId_ExternalId",
                table: "knowledge_sources",
                columns: new[] { "AppId", "ExternalId" },
                unique: true,
                filter: "\"ExternalId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_knowledge_sources_AppId_ExternalId",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "ExternalId",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "File",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "FileName",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "TextHash",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "TitleFromDocument",
                table: "knowledge_sources");
        }
    }
}
